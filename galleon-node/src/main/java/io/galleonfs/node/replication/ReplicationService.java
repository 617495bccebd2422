package io.galleonfs.node.replication;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.ingress.Ingress;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.MetadataUnavailableException;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.*;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import io.github.bucket4j.Bucket;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Replication on one node, wired together: the data-plane server and client, the primaries this node runs
 * ({@link PrimaryRegistry}), the replica applier, the periodic link checks and catch-up of stale replicas and, on the
 * Raft leader, failover of volumes whose primary node is down ({@link ReplicationTick}); and the seam the frontends use
 * ({@link #io}).
 */
public final class ReplicationService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ReplicationService.class);
    /** Offset of the data-plane port from the bind (JGroups) port; FD_SOCK2 uses +100. */
    public static final int DATA_PORT_OFFSET = 200;
    /** A volume id no volume has: status requests for it are liveness probes. */
    private static final UUID PROBE = new UUID(0, 0);

    /**
     * Tunables; {@link #defaults()} documents the defaults.
     *
     * @param storageWait how long a primary waits for its copy's storage before a healthy replica takes over
     */
    public record Settings(Duration replicaTimeout, Duration clientTimeout, int defaultMinCopies, boolean asynchronousDefault,
                           long rebuildBytesPerSecond, Duration syncInterval, Duration replicaGrace, Duration storageWait) {
        /**
         * Replica answer timeout 3 s, forwarded-call timeout 30 s, minimum healthy copies 1 (the class parameter
         * {@code min_replicas} overrides it), synchronous, rebuild throttle 200 MiB/s, catch-up check every 500 ms,
         * copies of a node down for 10 minutes re-placed, a primary's storage awaited 10 s.
         */
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(3), Duration.ofSeconds(30), 1, false, 200L << 20, Duration.ofMillis(500),
                    Duration.ofMinutes(10), Duration.ofSeconds(10));
        }

        public Settings withMinCopies(int min) {
            return new Settings(replicaTimeout, clientTimeout, min, asynchronousDefault, rebuildBytesPerSecond, syncInterval, replicaGrace, storageWait);
        }

        public Settings withAsynchronous(boolean async) {
            return new Settings(replicaTimeout, clientTimeout, defaultMinCopies, async, rebuildBytesPerSecond, syncInterval, replicaGrace, storageWait);
        }

        public Settings withReplicaGrace(Duration grace) {
            return new Settings(replicaTimeout, clientTimeout, defaultMinCopies, asynchronousDefault, rebuildBytesPerSecond, syncInterval, grace, storageWait);
        }
    }

    private final ClusterView view;
    private final BlockEngine engine;
    private final Path dir;
    private final Settings settings;
    private final long incarnation = new SecureRandom().nextLong() & Long.MAX_VALUE | 1;
    private final ReplicationMetrics metrics = new ReplicationMetrics();
    private final Map<String, Long> incarnations = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "galleon-replication");
        t.setDaemon(true);
        return t;
    });
    private final Bucket rebuildBucket;
    private final ReplicaApplier applier;
    private final FailoverCoordinator failover;
    private final DataClient client;
    private final DataServer server;
    private final DataPlaneHandler dataPlane;
    private final RebuildCursors rebuildCursors;
    private final ReplicationPolicy policy;
    private final PrimaryRegistry primaries;
    private final ReplicationTick tick;
    private volatile boolean closed;
    private final MetadataCommitter committer;

    private final java.util.function.Function<VolumeRecord, Optional<String>> replacements;

    /** @param replacements picks a node for a copy that must move (placement rules), if any qualifies */
    public ReplicationService(Vertx vertx, ClusterView view, BlockEngine engine, Path dir, Settings settings,
                              java.util.function.Function<VolumeRecord, Optional<String>> replacements) throws IOException {
        this(vertx, view, engine, dir, settings, replacements, null);
    }

    /** @param tls mutual TLS with the cluster CA on the data plane; null for plain TCP */
    public ReplicationService(Vertx vertx, ClusterView view, BlockEngine engine, Path dir, Settings settings,
                              java.util.function.Function<VolumeRecord, Optional<String>> replacements,
                              io.galleonfs.node.tls.ClusterTls tls) throws IOException {
        this.replacements = replacements;
        this.view = view;
        this.committer = new MetadataCommitter(view, Ticker.SYSTEM, d -> Thread.sleep(d), java.time.Duration.ofSeconds(20), () -> closed);
        this.engine = engine;
        this.dir = dir;
        this.settings = settings;
        Files.createDirectories(dir);
        this.rebuildBucket = Bucket.builder().addLimit(limit -> limit.capacity(settings.rebuildBytesPerSecond())
                .refillGreedy(settings.rebuildBytesPerSecond(), Duration.ofSeconds(1))).build();
        this.applier = new ReplicaApplier(view.nodeId(), engine, new EpochStore(dir.resolve("epochs")), incarnation,
                id -> view.state().volume(id));
        this.client = new DataClient(vertx, view.nodeId(), incarnation, incarnations::put, tls);
        this.dataPlane = new DataPlaneHandler(view.nodeId(), applier, this::clientIo, workers);
        this.server = new DataServer(vertx, view.nodeId(), incarnation, dataPlane, Ingress.peers(), Ingress.limits(), tls);
        this.failover = new FailoverCoordinator(new FailoverCoordinator.Cluster() {
            @Override
            public ClusterView view() {
                return view;
            }

            @Override
            public Map<String, Status> statuses(VolumeRecord v, Iterable<String> nodes) {
                return ReplicationService.this.statuses(v, nodes);
            }

            @Override
            public MetaResult submit(MetaCommand command) throws IOException {
                return ReplicationService.this.submit(command);
            }

            @Override
            public Duration replicaGrace() {
                return settings.replicaGrace();
            }

            @Override
            public Optional<String> replacementFor(VolumeRecord v) {
                return replacements.apply(v);
            }

            @Override
            public void countFailover() {
                metrics.failovers.increment();
            }
        }, System::nanoTime);
        this.rebuildCursors = new RebuildCursors(dir);
        this.policy = new ReplicationPolicy(settings.defaultMinCopies(), settings.asynchronousDefault());
        this.primaries = new PrimaryRegistry(view, engine, applier, context, workers, settings.storageWait(), this::up,
                new ShutdownMarker(dir).readAndClear());
        this.tick = new ReplicationTick(primaries::running, new ReplicationTick.Peers() {
            @Override
            public boolean up(String nodeId) {
                return ReplicationService.this.up(nodeId);
            }

            @Override
            public boolean inView(String nodeId) {
                return ReplicationService.this.inView(nodeId);
            }

            @Override
            public void probe(String nodeId) {
                dataAddress(nodeId).ifPresent(a -> client.send(a, new StatusRequest(PROBE), Duration.ofSeconds(1)));
            }
        }, failover, workers, System::nanoTime, () -> closed);
    }

    public void start(HostPort dataAddress) throws Exception {
        primaries.noteStartingPrimaries();
        server.start(dataAddress);
        long ms = settings.syncInterval().toMillis();
        ticker.scheduleWithFixedDelay(tick, ms, ms, TimeUnit.MILLISECONDS);
        onMetadata(view.state());
    }

    public static HostPort dataAddressFor(HostPort bind) {
        return new HostPort(bind.host(), bind.port() + DATA_PORT_OFFSET);
    }

    public String nodeId() {
        return view.nodeId();
    }

    ClusterView view() {
        return view;
    }

    DataTransport client() {
        return client;
    }

    /** The event loop of this node's data-plane connections to other nodes (see {@link DataClient#loop()}). */
    public io.vertx.core.Context dataPlaneLoop() {
        return client.loop();
    }

    Duration clientTimeout() {
        return settings.clientTimeout();
    }

    Duration replicaTimeout() {
        return settings.replicaTimeout();
    }

    public ReplicationMetrics metrics() {
        return metrics;
    }

    Optional<HostPort> dataAddress(String nodeId) {
        return view.state().node(nodeId).map(n -> {
            // Asked on every forwarded or replicated write: parse a node's bind address once per address it registers.
            ParsedAddress known = dataAddresses.get(nodeId);
            if (known == null || !known.bind().equals(n.bindAddress())) {
                known = new ParsedAddress(n.bindAddress(), dataAddressFor(HostPort.parse("bind address", n.bindAddress())));
                dataAddresses.put(nodeId, known);
            }
            return known.data();
        });
    }

    private record ParsedAddress(String bind, HostPort data) {
    }

    private final Map<String, ParsedAddress> dataAddresses = new java.util.concurrent.ConcurrentHashMap<>();

    boolean up(String nodeId) {
        return "up".equals(view.memberStates().get(nodeId));
    }

    /** In the cluster view (up, or suspect while its heartbeats are late). */
    boolean inView(String nodeId) {
        String s = view.memberStates().get(nodeId);
        return "up".equals(s) || "suspect".equals(s);
    }

    // ------------------------------------------------------------------ the frontends' seam

    /** I/O on {@code v} from this node: served here when this node is its primary, forwarded otherwise. */
    public VolumeIo io(VolumeRecord v) throws IOException {
        if (v.node().equals(view.nodeId())) {
            return clientIo(v.id());
        }
        return new ForwardedVolumeIo(forwarding, v);
    }

    private final ForwardingRoutes forwarding = new ForwardingRoutes() {
        @Override
        public Optional<VolumeRecord> volume(UUID id) {
            return view.state().volume(id);
        }

        @Override
        public Object metadataVersion() {
            return view.state(); // immutable once published: a new one with every applied change
        }

        @Override
        public String nodeId() {
            return view.nodeId();
        }

        @Override
        public Optional<HostPort> dataAddress(String nodeId) {
            return ReplicationService.this.dataAddress(nodeId);
        }

        @Override
        public DataTransport transport() {
            return client;
        }

        @Override
        public Duration timeout() {
            return settings.clientTimeout();
        }

        @Override
        public DataMessage.Response serveLocally(DataMessage.Request request) throws IOException {
            return ReplicationService.this.serveLocally(request);
        }
    };

    /**
     * Client I/O on the primary passes through {@code gate} (QoS admission), whether it entered here or was forwarded by
     * another node; replicas applying the primary's stream are not charged again.
     */
    public void gateClientIo(java.util.function.UnaryOperator<VolumeIo> gate) {
        this.clientGate = gate;
    }

    private volatile java.util.function.UnaryOperator<VolumeIo> clientGate = java.util.function.UnaryOperator.identity();

    /** Rebuild and scrub reads pass through {@code gate} (the node's background QoS class) before they run. */
    public void gateBackground(BackgroundGate gate) {
        this.backgroundGate = gate;
    }

    private volatile BackgroundGate backgroundGate = BackgroundGate.NONE;

    private VolumeIo clientIo(UUID id) throws IOException {
        return clientGate.apply(primary(id));
    }

    /** Writes with one of the seed's four concerns, wherever the primary is. */
    public void write(VolumeRecord v, long offset, ByteBuffer src, WriteConcern level) throws IOException {
        io(v).write(offset, src, level);
    }

    /** The running primary of a volume on this node, waiting (bounded) while it takes over. */
    public PrimaryVolume primary(UUID id) throws IOException {
        return primaries.primary(id);
    }

    /** Whether this node can serve I/O of the volume now (its primary is known and has an address). */
    public boolean canServe(VolumeRecord v) {
        return v.node().equals(view.nodeId()) ? engine.find(v.id()).isPresent() : dataAddress(v.node()).isPresent();
    }

    /** The volumes this node serves as primary now (for metrics). */
    public java.util.Collection<PrimaryVolume> primaries() {
        return primaries.running();
    }

    /** Live replica states of a volume when this node is its primary (progress is fresher than metadata). */
    public Optional<Map<String, io.galleonfs.node.meta.ReplicaRecord>> liveStates(UUID id) {
        return primaries.find(id).map(PrimaryVolume::linkStates);
    }

    // ------------------------------------------------------------------ metadata changes

    /** Called after every metadata change (on the node's metadata listener thread, and once at start): must not block. */
    public void onMetadata(MetadataState state) {
        if (!closed) {
            primaries.onMetadata(state);
        }
    }

    // ------------------------------------------------------------------ I/O figures between nodes

    /** What this node answers a peer's {@link MetricsRequest} with (its I/O report as JSON); set once at start. */
    public void answerMetricsWith(java.util.function.Supplier<byte[]> report) {
        dataPlane.answerMetricsWith(report);
    }

    /**
     * Asks {@code nodeId} for its I/O report over the data plane (the path nodes already use between each other, with
     * its mutual TLS); never blocks: the future fails when the node has no address, refuses, or does not answer in time.
     */
    public CompletableFuture<byte[]> askMetrics(String nodeId, Duration timeout) {
        Optional<HostPort> to = dataAddress(nodeId);
        if (to.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("node " + nodeId + " has no data address in metadata"));
        }
        return client.send(to.get(), new MetricsRequest(), timeout).thenCompose(reply -> switch (reply) {
            case Data d -> CompletableFuture.completedFuture(d.bytes());
            case Failure fail -> CompletableFuture.failedFuture(new DataClient.RemoteException(fail.code(), fail.message()));
            default -> CompletableFuture.failedFuture(new IOException("unexpected answer " + reply.getClass().getSimpleName()));
        });
    }

    /** Per volume with a copy applied on this node: {operations, bytes} applied for its primary since the start. */
    public Map<UUID, long[]> replicaAppliedTotals() {
        return applier.appliedTotals();
    }

    /** Serves a client request on this node as the volume's primary. */
    DataMessage.Response serveLocally(DataMessage.Request request) throws IOException {
        return dataPlane.serveLocally(request);
    }

    // ------------------------------------------------------------------ context for primaries

    private final PrimaryContext context = new PrimaryContext() {
        @Override
        public DataTransport client() {
            return client;
        }

        @Override
        public Optional<HostPort> dataAddress(String nodeId) {
            return ReplicationService.this.dataAddress(nodeId);
        }

        @Override
        public boolean nodeUp(String nodeId) {
            return up(nodeId);
        }

        @Override
        public long incarnation(String nodeId) {
            return incarnations.getOrDefault(nodeId, 0L);
        }

        @Override
        public void commit(MetaCommand command) throws IOException {
            committer.commit(command);
        }

        @Override
        public ReplicaApplier applier() {
            return applier;
        }

        @Override
        public Duration replicaTimeout() {
            return settings.replicaTimeout();
        }

        @Override
        public int minHealthyCopies(VolumeRecord v) {
            return policy.minHealthyCopies(view.state(), v);
        }

        @Override
        public boolean asynchronous(VolumeRecord v) {
            return policy.asynchronous(view.state(), v);
        }

        @Override
        public void throttleRebuild(long bytes) throws InterruptedException {
            rebuildBucket.asBlocking().consume(Math.min(bytes, settings.rebuildBytesPerSecond()));
            backgroundGate.admit("rebuild", 1, bytes);
        }

        @Override
        public void throttleBackground(String work, long ops, long bytes) {
            backgroundGate.admit(work, ops, bytes);
        }

        @Override
        public ReplicationMetrics metrics() {
            return metrics;
        }

        @Override
        public RebuildCursors.Cursor rebuildCursor(UUID volume, String node) {
            return rebuildCursors.get(volume, node);
        }

        @Override
        public void saveRebuildCursor(UUID volume, String node, RebuildCursors.Cursor cursor) {
            rebuildCursors.save(volume, node, cursor);
        }

        @Override
        public void forgetRebuildCursor(UUID volume, String node) {
            rebuildCursors.forget(volume, node);
        }
    };

    /** Node ids of a volume's copies that answered a status request, with their applied sequence numbers. */
    Map<String, Status> statuses(VolumeRecord v, Iterable<String> nodes) {
        Map<String, Status> out = new ConcurrentHashMap<>();
        for (String n : nodes) {
            dataAddress(n).ifPresent(a -> {
                try {
                    out.put(n, (Status) client.call(a, new StatusRequest(v.id()), Duration.ofSeconds(1)));
                } catch (IOException e) {
                    LOG.debugf("status of %s on %s: %s", v.name(), n, e.getMessage());
                }
            });
        }
        return out;
    }

    /**
     * Moves every copy on this node elsewhere before it leaves (see {@link LeaveEvacuation}); returns the volumes whose
     * copy could not be moved (no eligible node, or not healthy in time).
     */
    public java.util.List<String> evacuate(Duration atMost) throws IOException {
        return new LeaveEvacuation(view, this::up, replacements).evacuate(atMost);
    }

    MetaResult submit(MetaCommand c) throws IOException {
        return view.submit(c);
    }

    @Override
    public void close() {
        closed = true;
        ticker.shutdownNow();
        Map<UUID, Long> seqs = primaries.close();
        server.close();
        client.close();
        applier.close();
        workers.shutdownNow();
        try {
            new ShutdownMarker(dir).write(seqs);
        } catch (IOException e) {
            LOG.warnf("cannot record the clean shutdown: %s", e.getMessage());
        }
    }

    static boolean unavailable(IOException e) {
        return e instanceof MetadataUnavailableException;
    }
}
