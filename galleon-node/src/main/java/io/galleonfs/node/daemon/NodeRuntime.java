package io.galleonfs.node.daemon;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.OutOfSpaceException;
import io.galleonfs.node.auth.AdminTokenFile;
import io.galleonfs.node.auth.Authenticator;
import io.galleonfs.node.auth.LocalDiscovery;
import io.galleonfs.node.auth.Role;
import io.galleonfs.node.auth.TokenRecord;
import io.galleonfs.node.auth.TokenSecrets;
import io.galleonfs.node.cluster.ClusterNode;
import io.galleonfs.node.cluster.ClusterSettings;
import io.galleonfs.node.cluster.ControlMessage;
import io.galleonfs.node.cluster.RaftMetadataStore;
import io.galleonfs.node.config.NodeConfig;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.NodeRecord;
import io.galleonfs.node.meta.StorageClassRecord;
import io.galleonfs.node.placement.NodeInfo;
import io.galleonfs.node.placement.NodeState;
import io.galleonfs.node.replication.ReplicationService;
import io.galleonfs.node.volume.BenchRunner;
import io.galleonfs.node.volume.EngineProvisioner;
import io.galleonfs.node.volume.NodeContext;
import io.galleonfs.node.volume.StorageClassService;
import io.galleonfs.node.volume.TokenService;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.volume.VolumeService;
import io.galleonfs.node.volume.WriteConcernPolicy;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Owns this node's long-lived parts (storage lock, cluster membership, Raft metadata, engine, services) and their
 * start and stop order. The configuration comes from {@code galleon.*} config properties, which
 * {@link GalleonNodeMain} sets from the flags and tests set directly, so both paths build the same {@link NodeConfig}.
 */
@ApplicationScoped
public class NodeRuntime implements NodeStatus, ClusterMembership, io.galleonfs.node.auth.ApiAccess {
    private static final Logger LOG = Logger.getLogger(NodeRuntime.class);
    static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);

    @Inject
    Config mpConfig;

    @Inject
    io.vertx.core.Vertx vertx;

    private NodeConfig config;
    private String nodeId;
    private RaftMetadataStore metadata;
    private ClusterNode cluster;
    private VolumeService volumes;
    private StorageClassService storageClasses;
    private TokenService tokens;
    private Authenticator authenticator;
    private BlockEngine engine;
    private VolumeDataService data;
    private BenchRunner bench;
    private VolumeStorageWatcher watcher;
    private ReplicationService replication;
    private io.galleonfs.node.backup.JobRunner backupJobs;
    private io.galleonfs.node.backup.TargetService backupTargets;
    private io.galleonfs.node.backup.BackupService backups;
    private io.galleonfs.node.backup.JobSupervisor jobSupervisor;

    @Inject
    io.galleonfs.node.metrics.BackupMetrics backupMetrics;
    private io.galleonfs.node.volume.qos.VolumeQos qos;
    private io.galleonfs.node.volume.qos.QosService qosService;
    private io.galleonfs.node.volume.qos.CapacityService capacityService;
    private Instant startedAt;
    private volatile boolean ready;

    void onStart(@Observes StartupEvent event) throws Exception {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String key : NodeConfig.KEYS) {
            mpConfig.getOptionalValue(NodeConfig.PROPERTY_PREFIX + key, String.class).ifPresent(v -> keys.put(key, v));
        }
        config = NodeConfig.resolve(keys);
        Preflight.requireWritableDirectory("storage path", config.storagePath());
        StorageLock.acquire(config.storagePath());
        nodeId = NodeIdentity.loadOrCreate(config.storagePath());

        long engineStart = System.nanoTime();
        long reserve = config.reservedSpaceBytes(Files.getFileStore(config.storagePath()).getTotalSpace());
        io.galleonfs.engine.KeyProvider masterKeys = openKeyProvider();
        try {
            engine = BlockEngine.open(new EngineConfig(config.storagePath().resolve("engine"), config.blockSize(),
                    Math.min(config.journalSizeBytes(), EngineConfig.DEFAULT_CHECKPOINT_BYTES * 4), EngineConfig.DEFAULT_MAX_DIRTY_BYTES,
                    masterKeys)
                    .withReserve(reserve).withReadCache(config.readCacheBytes()).withFormat(config.storageFormat(config.storagePath().resolve("engine"))));
        } catch (IOException e) {
            if (!OutOfSpaceException.causedBy(e)) {
                throw e;
            }
            // Expected on a device filled by something else beyond the reserve: one line, not a Quarkus stack trace.
            System.err.println("galleonfs: cannot start: the storage file system of " + config.storagePath()
                    + " is full (" + e.getMessage() + "); free some space on it and start again");
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }
        if (Files.isDirectory(config.storagePath().resolve("engine.converting"))) {
            // Never opened by the node; only the next conversion knows whether it is an unfinished copy or the old store.
            LOG.warnf("%s is left over from a 'galleonfs storage convert' that was cut short; it takes space until the next"
                    + " conversion run (which removes or keeps it aside) or until you remove it", config.storagePath().resolve("engine.converting"));
        }
        // "auto" is settled by the open: the daemon's configuration reports the format the engine runs in.
        config = config.withEngineFormat(io.galleonfs.engine.StorageFormat.word(engine.format()));
        keyService = new io.galleonfs.node.keys.KeyService(nodeId, config.keys().provider(), engine);
        LOG.infof("storage engine (format %s) open in %d ms (reserve %d MiB, %d MiB free, read cache %d MiB)", engine.format(),
                (System.nanoTime() - engineStart) / 1_000_000, reserve >> 20, Math.max(0, engine.space().availableBytes()) >> 20,
                config.readCacheMb());
        if (config.readCacheBytes() > Runtime.getRuntime().maxMemory() / 2) {
            LOG.warnf("read_cache_mb = %d is more than half the JVM heap (%d MiB): the node may run out of memory under encrypted reads",
                    config.readCacheMb(), Runtime.getRuntime().maxMemory() >> 20);
        }

        metadata = new RaftMetadataStore(METADATA_TIMEOUT);
        // First listener, before anything is published: it sees every state from the empty one on (see localShare()).
        localShare = LocalShare.of(null, metadata.state(), nodeId);
        metadata.addListener(state -> localShare = LocalShare.of(localShare, state, nodeId));
        tokens = new TokenService(metadata, Clock.systemUTC());
        authenticator = new Authenticator(() -> metadata.state().tokens(), Clock.systemUTC());
        if (!config.authRequired()) {
            LOG.warn("SECURITY: auth_required = false: the API accepts every request without a token; anyone who can reach "
                    + config.ipcAddress() + " can read, change and delete all volumes");
        }
        try {
            startCluster(config.peerAddresses(), ClusterSettings.DEFAULT_NAME);
        } catch (ClusterNode.JoinRefusedException e) {
            // One line, no stack trace: nothing was changed in the cluster (the leader never added this node).
            LOG.error("cannot start: " + e.getMessage());
            System.err.println("galleonfs: cannot start: " + e.getMessage());
            System.err.flush();
            Runtime.getRuntime().halt(2);
        }

        NodeContext context = new NodeContext(nodeId, config.blockSize(), config.maxReplicas(), config.encryptionAtRest(),
                config.zone(), this::placementView);
        watcher = new VolumeStorageWatcher(nodeId, engine, metadata.state());
        metadata.addListener(watcher::onChange);
        WriteConcernPolicy concerns = new WriteConcernPolicy(config.persistenceLevel());
        volumes = new VolumeService(metadata, context, Clock.systemUTC(), UUID::randomUUID, new EngineProvisioner(engine));
        replication = new ReplicationService(vertx, clusterView(), engine, config.storagePath().resolve("replication"),
                ReplicationService.Settings.defaults().withMinCopies(config.minReplicas())
                        .withAsynchronous(config.replicationStrategy() == io.galleonfs.node.config.ReplicationStrategy.ASYNCHRONOUS)
                        .withReplicaGrace(Duration.ofSeconds(config.replicaGracePeriodSeconds())),
                volumes::replacementNode, clusterTls());
        data = new VolumeDataService(volumes, metadata, engine, concerns, Clock.systemUTC(), UUID::randomUUID, replication);
        bench = new BenchRunner(volumes, data, concerns);
        metadata.addListener(data.meters()::onMetadata);
        startClusterIo();
        startQos();
        storageClasses = new StorageClassService(metadata);
        if (metadataCaughtUp()) {
            new StartupReconciler(metadata, engine, volumes, nodeId).reconcile();
        } else {
            LOG.warn("metadata is not caught up with the cluster yet: orphaned volume data is not cleaned up at this start");
        }
        replication.start(ReplicationService.dataAddressFor(config.bindAddress()));
        metadata.addListener(replication::onMetadata);
        startBackups();
        startedAt = Instant.now();
        ready = true;
        long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        LOG.infof("GalleonFS node %s ready: api %s://%s, cluster %s on %s, storage %s, %d volume(s), %d ms after JVM start",
                nodeId, Boolean.getBoolean(NodeConfig.PROPERTY_PREFIX + "tls_enabled") ? "https" : "http", config.ipcAddress(),
                metadata.state().clusterId(), describeBind(), config.storagePath(),
                metadata.state().volumes().size(), sinceJvmStart);
    }

    /**
     * The master key provider of {@code [keys]}. A token that cannot be opened (missing library, wrong PIN, unknown
     * label) ends the start with one line; the PIN is never part of it.
     */
    private io.galleonfs.engine.KeyProvider openKeyProvider() {
        try {
            io.galleonfs.engine.KeyProvider keys = io.galleonfs.node.keys.KeyProviders.open(config.keys(), config.storagePath());
            LOG.infof("security: master key provider %s, current key %s", config.keys().provider(), keys.id());
            return keys;
        } catch (IOException | RuntimeException e) {
            LOG.error("cannot open the " + config.keys().provider() + " master key provider: " + e.getMessage());
            System.err.println("galleonfs: cannot start: the " + config.keys().provider() + " master key provider: " + e.getMessage());
            System.err.flush();
            Runtime.getRuntime().halt(1);
            throw new IllegalStateException("unreachable");
        }
    }

    private io.galleonfs.node.keys.KeyService keyService;

    /** This node's master keys (status, rotation). */
    public io.galleonfs.node.keys.KeyService keys() {
        return keyService;
    }

    /** Backup jobs run on a pool of two threads with up to 64 queued; the supervisor ends jobs of dead processes. */
    private void startBackups() {
        String incarnation = UUID.randomUUID().toString();
        backupJobs = new io.galleonfs.node.backup.JobRunner(metadata, nodeId, incarnation, Clock.systemUTC(), 2, 64, backupMetrics);
        backupTargets = new io.galleonfs.node.backup.TargetService(metadata, Clock.systemUTC(),
                io.galleonfs.node.tls.ClusterSecrets.of(config.storagePath())); // seals target secrets when this node holds ca.key
        backups = new io.galleonfs.node.backup.BackupService(metadata, volumes, data, engine, backupTargets, backupJobs,
                Clock.systemUTC(), backupMetrics);
        backups.gateBackground(qosEnforced ? qos.background() : null);
        jobSupervisor = new io.galleonfs.node.backup.JobSupervisor(clusterView(), incarnation, Clock.systemUTC(),
                backups::cleanUpOrphanSnapshots);
        jobSupervisor.everyTick(backups::takeHandedJobs);
        if (metadataCaughtUp()) {
            jobSupervisor.failJobsOfEarlierProcess();
        }
        jobSupervisor.start();
    }

    /** The join token this node presents when it joins: --join-token (handed over as a property), else GALLEONFS_JOIN_TOKEN. */
    private static String joinToken() {
        String flag = System.getProperty(JOIN_TOKEN_PROPERTY);
        String text = flag != null && !flag.isBlank() ? flag : System.getenv("GALLEONFS_JOIN_TOKEN");
        try {
            // only the secret goes to the leader; a CA fingerprint after it is for this node's own check (JoinEnrollment)
            return io.galleonfs.node.auth.JoinCredential.parse(text).map(io.galleonfs.node.auth.JoinCredential::secret).orElse(null);
        } catch (IllegalArgumentException e) {
            return text; // the leader refuses it with the reason
        }
    }

    public static final String JOIN_TOKEN_PROPERTY = "galleon.internal.join-token";

    private io.galleonfs.node.tls.ClusterTls clusterTls;

    /** With --tls (ApiTls has created the certificates by now), JGroups and the data plane use mutual TLS too. */
    private synchronized io.galleonfs.node.tls.ClusterTls clusterTls() {
        if (clusterTls == null && Boolean.getBoolean(NodeConfig.PROPERTY_PREFIX + "tls_enabled")) {
            clusterTls = io.galleonfs.node.tls.ClusterTls.load(io.galleonfs.node.tls.ClusterCa.of(config.storagePath()));
        }
        return clusterTls;
    }

    private void startCluster(java.util.List<io.galleonfs.node.config.HostPort> peers, String clusterName) throws Exception {
        ClusterSettings settings = new ClusterSettings(nodeId, clusterName, config.bindAddress(), peers, config.discovery(), config.dnsQuery(),
                config.storagePath().resolve("raft"), METADATA_TIMEOUT, Duration.ofSeconds(60), Duration.ofSeconds(1),
                config.advertisedBindAddress(), joinToken());
        cluster = new ClusterNode(settings, metadata, this::heartbeat, () -> metadata.state().nodes().stream()
                .filter(n -> !n.id().equals(nodeId)).map(n -> io.galleonfs.node.config.HostPort.parse("peer", n.bindAddress())).toList(),
                clusterTls());
        boolean founding = cluster.isNew() && peers.isEmpty();
        if (cluster.isNew() && !peers.isEmpty()) {
            forgetBootstrapToken();
        }
        cluster.start();
        if (!cluster.awaitLeader(founding ? 15_000 : 30_000)) {
            LOG.warn("cluster: no leader elected yet; metadata changes are refused until a majority of members is reachable");
            publishLocalDiscovery();
            return;
        }
        if (founding) {
            submitQuietly(new MetaCommand.InitCluster(UUID.randomUUID().toString(), System.currentTimeMillis()));
            for (StorageClassRecord builtIn : BuiltInStorageClasses.all()) {
                submitQuietly(new MetaCommand.CreateStorageClass(builtIn));
            }
            createBootstrapToken();
        }
        publishLocalDiscovery();
        FileStore store = Files.getFileStore(config.storagePath());
        // Peers derive this node's data-plane address from the registered address, so it must be one they can reach.
        submitQuietly(new MetaCommand.RegisterNode(new NodeRecord(nodeId, config.advertisedBindAddress().toString(),
                config.ipcAddress().toString(), config.zone(), config.labels(), store.getTotalSpace(), System.currentTimeMillis())));
    }

    /**
     * The founding node's admin token. The file is written before the token is committed: a crash in between leaves an
     * unknown secret (harmless), never a committed token whose secret nobody has.
     */
    private void createBootstrapToken() {
        String secret = TokenSecrets.newSecret();
        try {
            AdminTokenFile.retire(config.storagePath(), System.currentTimeMillis()).ifPresent(kept -> LOG.infof(
                    "security: the admin token of the cluster this node left is kept in %s", kept));
            AdminTokenFile.write(config.storagePath(), secret);
        } catch (IOException e) {
            LOG.error("cannot write the bootstrap admin token to " + AdminTokenFile.of(config.storagePath())
                    + "; create tokens with auth_required = false, or found the cluster again", e);
            return;
        }
        long now = System.currentTimeMillis();
        submitQuietly(new MetaCommand.CreateToken(new TokenRecord(UUID.randomUUID().toString(), "admin", Role.ADMIN,
                TokenSecrets.hash(secret), now, 0)));
        LOG.infof("security: bootstrap admin token written to %s (mode 0600)", AdminTokenFile.of(config.storagePath()));
    }

    /** A node that joins another cluster drops the admin secret of the cluster it founded: it would only mislead the CLI. */
    private void forgetBootstrapToken() {
        try {
            LocalDiscovery.removeIfOurs(configDir(), discoveryHost(), config.ipcAddress().port(), AdminTokenFile.of(config.storagePath()));
            AdminTokenFile.delete(config.storagePath());
        } catch (IOException e) {
            LOG.warn("cannot remove the stale bootstrap admin token " + AdminTokenFile.of(config.storagePath()), e);
        }
    }

    /** Lets the local CLI find the admin token without set-up (see {@link LocalDiscovery}); the pointer holds no secret. */
    private void publishLocalDiscovery() {
        java.nio.file.Path file = AdminTokenFile.of(config.storagePath());
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            LocalDiscovery.write(configDir(), discoveryHost(), config.ipcAddress().port(), file);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("cannot write the local CLI's token pointer under " + configDir() + "; pass --token to the CLI instead", e);
        }
    }

    /** At a clean stop: a CLI finding no pointer says "cannot reach", not a misleading 401 from whoever takes the port. */
    private void withdrawLocalDiscovery() {
        try {
            LocalDiscovery.removeIfOurs(configDir(), discoveryHost(), config.ipcAddress().port(), AdminTokenFile.of(config.storagePath()));
        } catch (IOException e) {
            LOG.debugf("local discovery pointer not removed: %s", e.getMessage());
        }
    }

    private String describeBind() {
        io.galleonfs.node.config.HostPort advertised = config.advertisedBindAddress();
        return advertised.equals(config.bindAddress()) ? config.bindAddress().toString()
                : config.bindAddress() + " (advertised as " + advertised + ")";
    }

    /** A daemon listening on every address is reached locally as 127.0.0.1, the CLI's default. */
    private String discoveryHost() {
        String host = config.ipcAddress().host();
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    private static java.nio.file.Path configDir() {
        return LocalDiscovery.configDir(System.getenv(), System.getProperty("user.home"));
    }

    private io.galleonfs.node.replication.ClusterView clusterView() {
        return new io.galleonfs.node.replication.ClusterView() {
            @Override
            public String nodeId() {
                return nodeId;
            }

            @Override
            public io.galleonfs.node.meta.MetadataState state() {
                return metadata.state();
            }

            @Override
            public io.galleonfs.node.meta.MetaResult submit(MetaCommand command) throws IOException {
                return metadata.submit(command);
            }

            @Override
            public boolean isLeader() {
                return cluster.isLeader();
            }

            @Override
            public boolean majorityReachable() {
                return cluster.majorityReachable();
            }

            @Override
            public Map<String, String> memberStates() {
                Map<String, String> m = new LinkedHashMap<>();
                cluster.members().forEach(v -> m.put(v.id(), v.state()));
                return m;
            }

            @Override
            public java.util.Optional<io.galleonfs.node.meta.MetadataState> awaitState(
                    java.util.function.Predicate<io.galleonfs.node.meta.MetadataState> condition, java.time.Duration max) {
                return metadata.awaitState(condition, max);
            }
        };
    }

    private void submitQuietly(MetaCommand command) {
        try {
            metadata.submit(command);
        } catch (IOException e) {
            LOG.warnf("cluster: %s not applied: %s", command.getClass().getSimpleName(), e.getMessage());
        }
    }

    private boolean metadataCaughtUp() {
        return cluster.leaderId() != null && cluster.lastApplied() >= cluster.commitIndex();
    }

    /** Members as placement sees them: zone and labels from metadata, state and free space from the live cluster. */
    java.util.List<NodeInfo> placementView() {
        var state = metadata.state();
        return cluster.members().stream().filter(m -> state.node(m.id()).isPresent()).map(m -> {
            NodeRecord r = state.node(m.id()).orElseThrow();
            NodeState s = switch (m.state()) {
                case "up" -> NodeState.UP;
                case "suspect" -> NodeState.SUSPECT;
                default -> NodeState.DOWN;
            };
            return new NodeInfo(m.id(), r.zone(), r.labels(), m.capacityBytes() > 0 ? m.capacityBytes() : r.capacityBytes(),
                    m.freeBytes(), s);
        }).toList();
    }

    ControlMessage.Heartbeat heartbeat() {
        FileStoreSpace space = fileStoreSpace();
        LocalShare share = localShare();
        return new ControlMessage.Heartbeat(nodeId, space.capacity(), space.free(), share.replicas(), System.currentTimeMillis(),
                engine.space().reservedBytes(), share.provisionedBytes(), capacityService == null ? 0 : (long) capacityService.schedulable(),
                capacityService == null ? 0 : (long) capacityService.schedulableMbps());
    }

    /** Sum of the sizes of the volumes with a copy on this node: what thin provisioning promised. */
    public long provisionedBytes() {
        return localShare().provisionedBytes();
    }

    /**
     * This node's copies, kept up to date by a metadata listener (only it writes the field): the listener sees every state
     * in order, each copied from the one before, so it recounts only the volumes an entry changed. The member list (and so
     * a create twice and a volume list once per volume) reads this node's heartbeat, which reads the share. Counting on
     * the reader's thread against {@code state()} instead recounted every volume whenever more than one entry had been
     * applied since the last read, which under 32 concurrent clients was nearly every time: half of the REST threads'
     * CPU per create at 20,000 volumes. The share is the one of the newest state whose listeners have run, so a change's
     * submitter (which waits for that) sees its own change counted.
     */
    private volatile LocalShare localShare;

    private LocalShare localShare() {
        return localShare;
    }

    /** The storage file system's size and usable space, read at {@code readAtNanos}. */
    private record FileStoreSpace(long capacity, long free, long readAtNanos) {
    }

    private volatile FileStoreSpace fileStoreSpace;
    /**
     * How long a reading of the file system's space is reused. This node's own member entry is built from a fresh
     * heartbeat on every {@code members()} call, which a volume create makes twice (placement, the answer's health) and a
     * volume list twice per volume: two {@code statvfs} calls each were a sixth of a create's CPU on the REST thread.
     * Placement ranks by free space that peers report once a second anyway, so 100 ms old figures change nothing.
     */
    private static final long SPACE_MAX_AGE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    private FileStoreSpace fileStoreSpace() {
        FileStoreSpace s = fileStoreSpace;
        long now = System.nanoTime();
        if (s != null && now - s.readAtNanos() < SPACE_MAX_AGE_NANOS) {
            return s;
        }
        long capacity = 0;
        long free = 0;
        try {
            FileStore store = storageFileStore();
            capacity = store.getTotalSpace();
            free = store.getUsableSpace();
        } catch (IOException e) {
            LOG.debugf("cannot read free space: %s", e.getMessage());
        }
        s = new FileStoreSpace(capacity, free, now);
        fileStoreSpace = s;
        return s;
    }

    private volatile FileStore storageFileStore;

    /** Looked up once: finding a path's file store reads the whole mount table; its space figures are read live. */
    private FileStore storageFileStore() throws IOException {
        FileStore store = storageFileStore;
        if (store == null) {
            store = Files.getFileStore(config.storagePath());
            storageFileStore = store;
        }
        return store;
    }

    /** Capacity, free space, reserve and provisioned bytes of this node's storage. */
    @Override
    public StorageSpace space() {
        return StorageSpace.measure(config.storagePath(), engine.space(), provisionedBytes());
    }

    /**
     * Joins another cluster at runtime. Only an empty node may do so: its own metadata is replaced by the other
     * cluster's, so any volume it held would be lost to metadata.
     */
    @Override
    public synchronized void joinCluster(io.galleonfs.node.config.HostPort peer, String clusterName) throws Exception {
        long held = metadata.state().volumes().stream().filter(v -> v.replicaNodes().contains(nodeId)).count();
        if (held > 0) {
            throw new io.galleonfs.node.volume.GalleonException(io.galleonfs.node.volume.GalleonException.Kind.CONFLICT,
                    "this node holds " + held + " volume(s); only an empty node can join another cluster (delete or move them first)");
        }
        cluster.close();
        deleteRaftState();
        metadata.reset();
        startCluster(java.util.List.of(peer), clusterName);
        awaitCaughtUp();
    }

    /** Leaves the cluster and starts over as a new one-node cluster. */
    @Override
    public synchronized void leaveCluster(boolean force) throws Exception {
        if (cluster.members().size() <= 1) {
            throw new io.galleonfs.node.volume.GalleonException(io.galleonfs.node.volume.GalleonException.Kind.CONFLICT,
                    "this node is the only member of its cluster; there is nothing to leave");
        }
        // Graceful: every copy here moves to another node first (and is rebuilt there) so no data is lost.
        // --force moves them in metadata without waiting: the new copies are rebuilt from the remaining ones.
        java.util.List<String> stuck = replication.evacuate(force ? Duration.ZERO : Duration.ofMinutes(10));
        if (!stuck.isEmpty() && !force) {
            throw new io.galleonfs.node.volume.GalleonException(io.galleonfs.node.volume.GalleonException.Kind.CONFLICT,
                    "the copies of volume(s) " + String.join(", ", stuck) + " on this node could not be moved to another node"
                            + " (no eligible node, or no healthy copy elsewhere); the node stays; use --force to leave them behind");
        }
        submitQuietly(new MetaCommand.RemoveNode(nodeId));
        cluster.leave();
        cluster.close();
        deleteRaftState();
        metadata.reset();
        // A new JGroups name: the old members still know this address and must not merge it back.
        startCluster(java.util.List.of(), ClusterSettings.DEFAULT_NAME + "-" + nodeId.substring(0, 8));
        awaitCaughtUp();
    }

    /** Waits (bounded) until this node knows its cluster id and has applied everything committed. */
    private void awaitCaughtUp() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !(metadata.state().clusterId() != null && metadataCaughtUp())) {
            Thread.sleep(50);
        }
    }

    private void deleteRaftState() throws IOException {
        java.nio.file.Path dir = config.storagePath().resolve("raft");
        if (Files.exists(dir)) {
            try (var files = Files.walk(dir)) {
                for (java.nio.file.Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    void onStop(@Observes ShutdownEvent event) throws IOException {
        ready = false;
        if (volumes != null && cluster != null && cluster.leaderId() != null) {
            new StartupReconciler(metadata, engine, volumes, nodeId).removeEphemeralVolumes("the daemon is stopping");
        }
        if (jobSupervisor != null) {
            jobSupervisor.close();
        }
        if (backupJobs != null) {
            backupJobs.close();
        }
        if (replication != null) {
            replication.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (config != null) {
            withdrawLocalDiscovery();
            StorageLock.release(config.storagePath());
        }
        LOG.infof("GalleonFS node %s stopped", nodeId);
    }

    @Override
    public boolean ready() {
        return ready;
    }

    public NodeConfig config() {
        return config;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }

    public MetadataStore metadata() {
        return metadata;
    }

    public ClusterNode cluster() {
        return cluster;
    }

    public VolumeService volumes() {
        return volumes;
    }

    public VolumeDataService data() {
        return data;
    }

    public ReplicationService replication() {
        return replication;
    }

    // ------------------------------------------------------------------ cluster-wide I/O figures

    /** How long a peer may take to answer for its I/O figures: well under the streams' one-second tick. */
    private static final Duration PEER_METRICS_TIMEOUT = Duration.ofMillis(700);

    private io.galleonfs.node.volume.metrics.ApplyRates applyRates;
    private io.galleonfs.node.volume.metrics.ClusterIoCollector clusterIo;

    /**
     * This node answers its peers' requests for its I/O figures over the data plane, and assembles the cluster's from
     * theirs ({@code GET /api/v1/metrics/cluster}). Parsing and the local report run on Mutiny's worker pool.
     */
    private void startClusterIo() {
        applyRates = new io.galleonfs.node.volume.metrics.ApplyRates(replication::replicaAppliedTotals);
        replication.answerMetricsWith(() -> localIoReport().toJson());
        clusterIo = new io.galleonfs.node.volume.metrics.ClusterIoCollector(nodeId,
                () -> cluster == null ? java.util.List.of() : cluster.members().stream()
                        .map(m -> new io.galleonfs.node.volume.metrics.ClusterIoCollector.Member(m.id(), m.state())).toList(),
                this::localIoReport, replication::askMetrics, io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool(),
                PEER_METRICS_TIMEOUT, System::currentTimeMillis);
    }

    /** This node's I/O of the last second: its volume meters and the replica operations it applied. */
    private io.galleonfs.node.volume.metrics.NodeIoReport localIoReport() {
        long now = System.currentTimeMillis();
        var state = metadata.state();
        var volumesHere = data.meters().all().stream()
                .map(m -> io.galleonfs.node.volume.metrics.VolumeMetricsReport.of(m, nodeId, now, volumes.namespaceOf(m.id())
                        .orElse(io.galleonfs.node.volume.metrics.VolumeMetricsReport.NAMESPACE)))
                .toList();
        var applied = applyRates.rates().entrySet().stream().map(e -> {
            var v = state.volume(e.getKey());
            return new io.galleonfs.api.ClusterIoMetrics.ReplicaApply(v.map(io.galleonfs.node.meta.VolumeRecord::name).orElse(e.getKey().toString()),
                    e.getKey().toString(), v.map(io.galleonfs.node.meta.VolumeRecord::namespace)
                    .orElse(io.galleonfs.node.volume.metrics.VolumeMetricsReport.NAMESPACE), nodeId, e.getValue().opsPerSecond(),
                    e.getValue().bytesPerSecond() / 1e6, e.getValue().opsTotal(), e.getValue().bytesTotal());
        }).toList();
        return new io.galleonfs.node.volume.metrics.NodeIoReport(nodeId, volumesHere, applied);
    }

    /** Replica apply rates of this node, sampled once a second with the volume meters. */
    public io.galleonfs.node.volume.metrics.ApplyRates applyRates() {
        return applyRates;
    }

    /** The cluster's I/O figures, assembled from every member's ({@code GET /api/v1/metrics/cluster}). */
    public io.galleonfs.node.volume.metrics.ClusterIoCollector clusterIo() {
        return clusterIo;
    }

    /**
     * QoS on the I/O path of the volumes this node serves as primary. {@code galleon.qos.node-iops} is the node's IOPS
     * capacity for reservations (0, the default: reservations are stored but not enforced), {@code galleon.qos.node-mbps}
     * its throughput capacity (MB/s; likewise); {@code galleon.qos.max-wait-ms}
     * bounds the delay of one request (default 5000, well below client timeouts); {@code galleon.qos.enabled=false}
     * leaves the I/O path without QoS (for measuring its overhead).
     */
    private void startQos() {
        double capacity = mpConfig.getOptionalValue("galleon.qos.node-iops", Double.class).orElse(0.0);
        double capacityMbps = mpConfig.getOptionalValue("galleon.qos.node-mbps", Double.class).orElse(0.0);
        long maxWaitMs = mpConfig.getOptionalValue("galleon.qos.max-wait-ms", Long.class).orElse(5000L);
        if (capacity < 0 || capacityMbps < 0 || maxWaitMs < 1) {
            throw new IllegalArgumentException("galleon.qos.node-iops and galleon.qos.node-mbps must be >= 0 and galleon.qos.max-wait-ms >= 1");
        }
        // A configured capacity overrides the calibration stored under the storage path (galleonfs node calibrate).
        var calibrationFile = new io.galleonfs.node.volume.qos.CalibrationFile(config.storagePath());
        var nodeCapacity = io.galleonfs.node.volume.qos.CapacityService.load(capacity, capacityMbps, calibrationFile);
        qos = io.galleonfs.node.volume.qos.VolumeQos.system(nodeCapacity.schedulable(), nodeCapacity.schedulableMbps(), Duration.ofMillis(maxWaitMs),
                io.vertx.core.Context::isOnEventLoopThread);
        capacityService = new io.galleonfs.node.volume.qos.CapacityService(nodeId, nodeCapacity, calibrationFile,
                io.galleonfs.node.volume.qos.CapacityCalibrator.system(engine), qos);
        qosService = new io.galleonfs.node.volume.qos.QosService(volumes, metadata, this::capacityIopsOf, this::capacityMbpsOf);
        long backgroundMbps = mpConfig.getOptionalValue("galleon.qos.background-mbps", Long.class)
                .orElse(io.galleonfs.node.volume.qos.BackgroundQos.DEFAULT_MBPS);
        long backgroundIops = mpConfig.getOptionalValue("galleon.qos.background-iops", Long.class)
                .orElse(io.galleonfs.node.volume.qos.BackgroundQos.DEFAULT_IOPS);
        if (backgroundMbps < 0 || backgroundIops < 0) {
            throw new IllegalArgumentException("galleon.qos.background-mbps and galleon.qos.background-iops must be >= 0 (0 = no limit)");
        }
        var background = qos.background(backgroundMbps, backgroundIops);
        // Off only to measure what enforcement costs (bench/qos): policies are then stored but not applied.
        if (!mpConfig.getOptionalValue("galleon.qos.enabled", Boolean.class).orElse(true)) {
            LOG.warn("galleon.qos.enabled = false: QoS policies are stored but not enforced on this node");
            return;
        }
        replication.gateClientIo(io -> qos.wrap(io, metadata.state()));
        replication.gateBackground((work, ops, bytes) -> background.admit(
                io.galleonfs.node.volume.qos.BackgroundQos.Work.of(work), ops, bytes));
        qosEnforced = true;
        metadata.addListener(qos::onMetadata);
    }

    /** Whether QoS is applied on this node's I/O paths ({@code galleon.qos.enabled}, default true). */
    private boolean qosEnforced;

    public io.galleonfs.node.volume.qos.VolumeQos qos() {
        return qos;
    }

    public io.galleonfs.node.volume.qos.QosService qosService() {
        return qosService;
    }

    public io.galleonfs.node.volume.qos.CapacityService capacity() {
        return capacityService;
    }

    /** A node's IOPS capacity for admission control: this node's own, another's from its heartbeat (0: unknown). */
    private double capacityIopsOf(String node) {
        if (node.equals(nodeId)) {
            return capacityService.schedulable();
        }
        return cluster == null ? 0 : cluster.members().stream().filter(m -> m.id().equals(node)).mapToLong(io.galleonfs.node.cluster.MemberView::capacityIops)
                .findFirst().orElse(0);
    }

    /** A node's throughput capacity (MB/s) for admission control, like {@link #capacityIopsOf}. */
    private double capacityMbpsOf(String node) {
        if (node.equals(nodeId)) {
            return capacityService.schedulableMbps();
        }
        return cluster == null ? 0 : cluster.members().stream().filter(m -> m.id().equals(node)).mapToLong(io.galleonfs.node.cluster.MemberView::capacityMbps)
                .findFirst().orElse(0);
    }

    public BenchRunner bench() {
        return bench;
    }

    public BlockEngine engine() {
        return engine;
    }

    public StorageClassService storageClasses() {
        return storageClasses;
    }

    /** Null until the node has started. */
    public io.galleonfs.node.backup.BackupService backups() {
        return backups;
    }

    public io.galleonfs.node.backup.TargetService backupTargets() {
        return backupTargets;
    }

    public TokenService tokens() {
        return tokens;
    }

    /** Null until the node has started. */
    @Override
    public Authenticator authenticator() {
        return authenticator;
    }

    @Override
    public boolean authRequired() {
        return config == null || config.authRequired();
    }
}
