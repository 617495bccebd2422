package io.galleonfs.engine.lsm;

import io.galleonfs.engine.AtomicFiles;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.NoSuchVolumeException;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.VolumeExistsException;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The volumes of one {@link LogStore}: creates, finds, deletes and clones {@link LogVolume}s (issue 18, phase 2; not yet
 * the node's engine). Layout: {@code <root>/store/} is the log store, {@code <root>/volumes/<uuid>.vol} each volume's
 * size ({@link VolumeDescriptorFile}). A descriptor's existence is the volume's: written after a clone's record,
 * deleted before a delete's DROP; at open, blocks of volumes without a descriptor (a crash between the two steps) are
 * dropped.
 */
public final class LogEngine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LogEngine.class);

    private final LogStore store;
    private final Path volumesDir;
    private final Map<UUID, LogVolume> volumes = new ConcurrentHashMap<>();
    /** Serialises create, delete and clone (their descriptor and store steps). */
    private final Object registry = new Object();

    private LogEngine(LogStore store, Path volumesDir) {
        this.store = store;
        this.volumesDir = volumesDir;
    }

    /** Opens (creating if needed) the engine at {@code root} with the store settings of {@code config} below it. */
    public static LogEngine open(Path root, int blockSize, long segmentBytes, long checkpointBytes) throws IOException {
        Path volumesDir = root.resolve("volumes");
        Files.createDirectories(volumesDir);
        LogStore store = LogStore.open(new LogStoreConfig(root.resolve("store"), blockSize, segmentBytes, checkpointBytes));
        LogEngine engine = new LogEngine(store, volumesDir);
        try {
            engine.load();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        return engine;
    }

    /** Default store settings (64 MiB segments, a checkpoint per GiB of log). */
    public static LogEngine open(Path root, int blockSize) throws IOException {
        return open(root, blockSize, LogStoreConfig.DEFAULT_SEGMENT_BYTES, LogStoreConfig.DEFAULT_CHECKPOINT_BYTES);
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(volumesDir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.delete(f); // an atomic replacement that did not finish
                    continue;
                }
                if (!name.endsWith(VolumeDescriptorFile.SUFFIX)) {
                    continue;
                }
                VolumeDescriptorFile d = VolumeDescriptorFile.read(f);
                if (d.blockSize() != store.blockSize()) {
                    throw new EngineException("volume " + d.id() + " has block size " + d.blockSize() + ", the store "
                            + store.blockSize());
                }
                volumes.put(d.id(), new LogVolume(this, store, d.id(), d.sizeBytes()));
            }
        }
        for (UUID orphan : store.volumeIds()) {
            if (!volumes.containsKey(orphan)) {
                LOG.warnf("log engine: volume %s has blocks but no descriptor (a create, clone or delete was cut short);"
                        + " dropping its blocks", orphan);
                store.dropVolume(orphan, WriteConcern.DURABLE);
            }
        }
    }

    public int blockSize() {
        return store.blockSize();
    }

    /**
     * Creates an empty thin volume.
     *
     * @throws UnsupportedOperationException for encrypted volumes (not on the log store yet)
     */
    public Volume create(UUID id, long sizeBytes, boolean encrypted) throws IOException {
        if (encrypted) {
            throw new UnsupportedOperationException("encrypted volumes are not on the log store yet (issue 18)");
        }
        checkSize(sizeBytes);
        synchronized (registry) {
            if (volumes.containsKey(id)) {
                throw new VolumeExistsException("volume " + id + " already exists");
            }
            if (store.hasVolume(id)) {
                store.dropVolume(id, WriteConcern.DURABLE); // leftovers of an earlier incarnation
            }
            new VolumeDescriptorFile(id, sizeBytes, store.blockSize()).write(volumesDir);
            LogVolume v = new LogVolume(this, store, id, sizeBytes);
            volumes.put(id, v);
            return v;
        }
    }

    public Optional<Volume> find(UUID id) {
        return Optional.ofNullable(volumes.get(id));
    }

    public Set<UUID> volumeIds() {
        return new HashSet<>(volumes.keySet());
    }

    /** Deletes a volume, its snapshots and (once the cleaner ran) its space. */
    public void delete(UUID id) throws IOException {
        synchronized (registry) {
            LogVolume v = volumes.get(id);
            if (v == null) {
                throw new NoSuchVolumeException("no volume " + id);
            }
            v.retire();
            Files.delete(VolumeDescriptorFile.pathOf(volumesDir, id));
            AtomicFiles.fsyncDirectory(volumesDir);
            volumes.remove(id);
            store.dropVolume(id, WriteConcern.DURABLE);
        }
    }

    /**
     * Creates volume {@code newId} with the content of {@code source}'s snapshot (null: its live view). The index entries
     * are copied, the records shared: no data is copied.
     */
    public Volume cloneVolume(UUID source, String snapshotNameOrNull, UUID newId) throws IOException {
        synchronized (registry) {
            LogVolume src = volumes.get(source);
            if (src == null) {
                throw new NoSuchVolumeException("no volume " + source);
            }
            if (volumes.containsKey(newId)) {
                throw new VolumeExistsException("volume " + newId + " already exists");
            }
            if (store.hasVolume(newId)) {
                store.dropVolume(newId, WriteConcern.DURABLE);
            }
            long size = src.cloneInto(snapshotNameOrNull, newId);
            new VolumeDescriptorFile(newId, size, store.blockSize()).write(volumesDir);
            LogVolume v = new LogVolume(this, store, newId, size);
            volumes.put(newId, v);
            return v;
        }
    }

    /** Persists a volume's new size (expand). */
    void writeDescriptor(UUID id, long sizeBytes) throws IOException {
        new VolumeDescriptorFile(id, sizeBytes, store.blockSize()).write(volumesDir);
    }

    /** The store below (tests, benchmarks, the cleaner's caller). */
    public LogStore store() {
        return store;
    }

    void checkSize(long sizeBytes) {
        if (sizeBytes <= 0 || sizeBytes % store.blockSize() != 0
                || sizeBytes / store.blockSize() > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("volume size must be a positive multiple of " + store.blockSize()
                    + " bytes and at most " + (Integer.MAX_VALUE - 1L) + " blocks: " + sizeBytes);
        }
    }

    @Override
    public void close() throws IOException {
        for (LogVolume v : volumes.values()) {
            v.retire();
        }
        store.close();
    }
}
