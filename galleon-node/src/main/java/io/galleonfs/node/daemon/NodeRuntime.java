package io.galleonfs.node.daemon;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.node.config.NodeConfig;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.StorageClassRecord;
import io.galleonfs.node.volume.BenchRunner;
import io.galleonfs.node.volume.EngineProvisioner;
import io.galleonfs.node.volume.NodeContext;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.volume.WriteConcernPolicy;
import io.galleonfs.node.volume.StorageClassService;
import io.galleonfs.node.volume.VolumeService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Owns this node's long-lived parts (storage lock, metadata, services) and their start and stop order. The
 * configuration comes from {@code galleon.*} config properties, which {@link GalleonNodeMain} sets from the flags and
 * tests set directly, so both paths build the same validated {@link NodeConfig}.
 */
@ApplicationScoped
public class NodeRuntime {
    private static final Logger LOG = Logger.getLogger(NodeRuntime.class);

    @Inject
    Config mpConfig;

    private NodeConfig config;
    private String nodeId;
    private MetadataStore metadata;
    private VolumeService volumes;
    private StorageClassService storageClasses;
    private BlockEngine engine;
    private VolumeDataService data;
    private BenchRunner bench;
    private Instant startedAt;
    private volatile boolean ready;

    void onStart(@Observes StartupEvent event) throws IOException {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String key : NodeConfig.KEYS) {
            mpConfig.getOptionalValue(NodeConfig.PROPERTY_PREFIX + key, String.class).ifPresent(v -> keys.put(key, v));
        }
        config = NodeConfig.resolve(keys);
        Preflight.requireWritableDirectory("storage path", config.storagePath());
        StorageLock.acquire(config.storagePath());
        nodeId = NodeIdentity.loadOrCreate(config.storagePath());
        metadata = MetadataStore.open(config.storagePath().resolve("metadata"));
        for (StorageClassRecord builtIn : BuiltInStorageClasses.all()) {
            if (metadata.state().storageClass(builtIn.name()).isEmpty()) {
                metadata.submit(new MetaCommand.CreateStorageClass(builtIn));
            }
        }
        NodeContext context = new NodeContext(nodeId, config.blockSize(), config.maxReplicas(), config.encryptionAtRest(),
                config.zone(), 1);
        long engineStart = System.nanoTime();
        engine = BlockEngine.open(new EngineConfig(config.storagePath().resolve("engine"), config.blockSize(),
                Math.min(config.journalSizeBytes(), EngineConfig.DEFAULT_CHECKPOINT_BYTES * 4), EngineConfig.DEFAULT_MAX_DIRTY_BYTES,
                FileKeyProvider.openOrCreate(config.storagePath().resolve("keys").resolve("master.key"))));
        LOG.infof("storage engine open in %d ms", (System.nanoTime() - engineStart) / 1_000_000);
        WriteConcernPolicy concerns = new WriteConcernPolicy(config.persistenceLevel());
        volumes = new VolumeService(metadata, context, Clock.systemUTC(), UUID::randomUUID, new EngineProvisioner(engine));
        data = new VolumeDataService(volumes, metadata, engine, concerns, Clock.systemUTC(), UUID::randomUUID);
        bench = new BenchRunner(volumes, data, concerns);
        storageClasses = new StorageClassService(metadata);
        new StartupReconciler(metadata, engine, volumes).reconcile();
        startedAt = Instant.now();
        ready = true;
        long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        LOG.infof("GalleonFS node %s ready: api http://%s, storage %s, %d volume(s), %d ms after JVM start", nodeId,
                config.ipcAddress(), config.storagePath(), metadata.state().volumes().size(), sinceJvmStart);
    }

    void onStop(@Observes ShutdownEvent event) throws IOException {
        ready = false;
        if (volumes != null) {
            new StartupReconciler(metadata, engine, volumes).removeEphemeralVolumes("the daemon is stopping");
        }
        if (engine != null) {
            engine.close();
        }
        if (config != null) {
            StorageLock.release(config.storagePath());
        }
        LOG.infof("GalleonFS node %s stopped", nodeId);
    }

    public boolean ready() {
        return ready;
    }

    public NodeConfig config() {
        return config;
    }

    public String nodeId() {
        return nodeId;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public MetadataStore metadata() {
        return metadata;
    }

    public VolumeService volumes() {
        return volumes;
    }

    public VolumeDataService data() {
        return data;
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
}
