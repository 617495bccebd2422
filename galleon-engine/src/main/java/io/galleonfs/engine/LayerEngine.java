package io.galleonfs.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The storage engine of one node: a set of thin volumes under one root directory sharing one journal.
 *
 * <pre>
 * root/journal/journal-&lt;generation&gt;.log   node-wide write-ahead journal
 * root/volumes/&lt;uuid&gt;/volume.meta          volume descriptor
 * root/volumes/&lt;uuid&gt;/layer-&lt;id&gt;.data      sparse data file of a layer
 * root/volumes/&lt;uuid&gt;/layer-&lt;id&gt;.idx       checkpointed block metadata of a layer
 * </pre>
 *
 * Threads: one journal thread (parked when idle) and one merge thread that exists only while a deleted
 * snapshot is being merged. Volumes own no threads or timers.
 */
public final class LayerEngine implements BlockEngine {
    private static final Logger LOG = Logger.getLogger(LayerEngine.class);
    static final String JOURNAL_DIR = "journal";
    static final String VOLUMES_DIR = "volumes";

    private final EngineCore core;
    private final Path root;
    private final RootLock rootLock;
    private final Path volumesDir;
    private final Map<UUID, VolumeImpl> volumes;
    private final JournalWriter writer;
    private final ReentrantLock lifecycle = new ReentrantLock();
    /** Serializes rotations and key destruction; taken before {@link #lifecycle}. */
    private final ReentrantLock keyLock = new ReentrantLock();
    private final long recoveredRecords;
    private final ReserveFile reserve;
    /**
     * Volumes deleted since the last checkpoint, with the checkpoint that drops their journal records. A volume
     * with the same id is created only after it, so no record of the old incarnation can be replayed into it.
     */
    private final Map<UUID, CompletableFuture<Void>> deletedSinceCheckpoint = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * Half of the reserve, at most 128 MiB, is held in the reserve file; the rest is kept free by admission. Restart
     * needs room for the records not yet applied at a crash (at most maxDirtyBytes, 64 MiB by default) and for index
     * copies, so more would only take space from volumes.
     */
    static long reserveFileBytes(long reservedBytes) {
        return Math.min(reservedBytes / 2, 128L << 20) & ~((1L << 20) - 1);
    }

    private final VolumeArrivals arrivals = new VolumeArrivals();

    private LayerEngine(EngineCore core, Path root, RootLock rootLock, Map<UUID, VolumeImpl> volumes,
                        JournalWriter writer, long recoveredRecords, ReserveFile reserve) {
        this.core = core;
        this.reserve = reserve;
        this.root = root;
        this.rootLock = rootLock;
        this.volumesDir = root.resolve(VOLUMES_DIR);
        this.volumes = volumes;
        this.writer = writer;
        this.recoveredRecords = recoveredRecords;
    }

    /**
     * Opens (or initializes) the engine under {@code cfg.root()}. Recovery: volumes are loaded from their
     * descriptors and last checkpointed layer indexes, the current journal generation is replayed up to its
     * first torn record, everything replayed is checkpointed and a fresh journal generation started.
     */
    public static LayerEngine open(EngineConfig cfg) throws IOException {
        Objects.requireNonNull(cfg, "cfg");
        long started = System.nanoTime();
        Path root = cfg.root().toAbsolutePath();
        Path journalDir = root.resolve(JOURNAL_DIR);
        Path volumesDir = root.resolve(VOLUMES_DIR);
        Files.createDirectories(root);
        RootLock rootLock = RootLock.acquire(root);
        Map<UUID, VolumeImpl> volumes = new ConcurrentHashMap<>();
        try {
            // Before anything is created or read: a root in another format is refused untouched.
            StorageFormat.checkOrRecord(root, StorageFormat.LAYERS_V1);
            Files.createDirectories(journalDir);
            Files.createDirectories(volumesDir);
            EngineCore core = new EngineCore(cfg);
            ReserveFile reserve = new ReserveFile(root, reserveFileBytes(cfg.reservedBytes()));
            // Replay and the checkpoint after it may need new blocks: give them the reserve on a full device.
            reserve.releaseIfTight(core.space.available(), cfg.reservedBytes());
            loadVolumes(core, volumesDir, volumes);
            long records = replayJournal(journalDir, volumes);
            JournalFile journal = startNewGeneration(journalDir);
            core.counters.fsyncs.add(2);
            for (VolumeImpl v : volumes.values()) {
                v.finishOpen();
            }
            JournalWriter writer = new JournalWriter(core, journalDir, journal);
            core.space.reclaimer(new SpaceGuard.Reclaimer() {
                @Override
                public long reclaimableBytes() {
                    return writer.journalBytes() - JournalFile.HEADER_BYTES;
                }

                @Override
                public void reclaim() throws IOException {
                    try {
                        writer.requestCheckpoint().get(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while reclaiming journal space");
                    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                        throw new EngineException("checkpoint to reclaim journal space failed: " + e, e);
                    }
                }
            });
            core.space.setHeldBytes(reserve.restore(core.space.available()));
            LayerEngine engine = new LayerEngine(core, root, rootLock, volumes, writer, records, reserve);
            writer.start();
            for (VolumeImpl v : volumes.values()) {
                if (v.hasHiddenLayers()) {
                    core.maintenance.reclaim(v);
                }
            }
            engine.finishInterruptedRotation();
            LOG.infof("recovered %d journal records in %d ms", records, (System.nanoTime() - started) / 1_000_000);
            return engine;
        } catch (IOException | RuntimeException e) {
            for (VolumeImpl v : volumes.values()) {
                try {
                    v.closeFiles();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            rootLock.release();
            throw e;
        }
    }

    /**
     * Re-applies the current generation up to its first torn record, then checkpoints every layer it touched.
     * Returns the number of intact records read.
     */
    private static long replayJournal(Path journalDir, Map<UUID, VolumeImpl> volumes) throws IOException {
        List<Long> generations = JournalFile.generations(journalDir);
        if (generations.isEmpty()) {
            return 0;
        }
        long current = generations.getLast();
        long records = 0;
        Set<Layer> touched = Collections.newSetFromMap(new IdentityHashMap<>());
        try (JournalReader reader = new JournalReader(JournalFile.path(journalDir, current), current)) {
            JournalCodec.Decoded record;
            while ((record = reader.next()) != null) {
                records++;
                VolumeImpl v = volumes.get(record.volume());
                Layer layer = v == null ? null : v.tree.byId(record.layerId());
                if (layer == null) {
                    continue; // the volume or layer was removed after this record was written
                }
                v.applier.replay(layer, record);
                touched.add(layer);
            }
        }
        for (Layer layer : touched) {
            layer.volume.applier.checkpoint(layer);
        }
        return records;
    }

    /** Creates the generation after the newest one present and removes all older journal files. */
    private static JournalFile startNewGeneration(Path journalDir) throws IOException {
        List<Long> generations = JournalFile.generations(journalDir);
        long next = generations.isEmpty() ? 1 : generations.getLast() + 1;
        JournalFile journal = JournalFile.create(journalDir, next);
        Path keep = JournalFile.path(journalDir, next).getFileName();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(journalDir)) {
            for (Path f : files) {
                if (!f.getFileName().equals(keep)) {
                    Files.deleteIfExists(f);
                }
            }
        }
        return journal;
    }

    private static void loadVolumes(EngineCore core, Path volumesDir, Map<UUID, VolumeImpl> out) throws IOException {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(volumesDir)) {
            for (Path dir : dirs) {
                UUID id = parseUuid(dir.getFileName().toString());
                if (id == null || !Files.isDirectory(dir)) {
                    continue;
                }
                if (!Files.exists(dir.resolve(VolumeDescriptorCodec.FILE_NAME))) {
                    // A create that never completed or a delete that did: the descriptor is written first
                    // on create and removed first on delete.
                    LOG.infof("removing incomplete volume directory %s", dir);
                    VolumeImpl.deleteTree(dir);
                    continue;
                }
                out.put(id, VolumeImpl.load(core, dir));
            }
        }
    }

    private static UUID parseUuid(String s) {
        try {
            UUID id = UUID.fromString(s);
            return id.toString().equals(s) ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String format() {
        return StorageFormat.LAYERS_V1;
    }

    /** Creates a thin volume: only its descriptor is written. */
    @Override
    public Volume create(UUID id, long sizeBytes, boolean encrypted) throws IOException {
        return create(id, sizeBytes, core.config.blockSize(), encrypted);
    }

    private VolumeImpl create(UUID id, long sizeBytes, int blockSize, boolean encrypted) throws IOException {
        Objects.requireNonNull(id, "id");
        CompletableFuture<Void> purge = deletedSinceCheckpoint.get(id);
        if (purge != null) {
            await(purge);
            deletedSinceCheckpoint.remove(id, purge);
        }
        lifecycle.lock();
        try {
            ensureOpen();
            if (volumes.containsKey(id)) {
                throw new VolumeExistsException("volume " + id + " already exists");
            }
            VolumeImpl v = VolumeImpl.create(core, volumesDir, id, sizeBytes, blockSize, encrypted);
            volumes.put(id, v);
            arrivals.arrived(id);
            LOG.debugf("created volume %s (%d bytes, encrypted %s)", id, sizeBytes, encrypted);
            return v;
        } finally {
            lifecycle.unlock();
        }
    }

    public Optional<Volume> find(UUID id) {
        return Optional.ofNullable(volumes.get(id));
    }

    @Override
    public Optional<Volume> awaitVolume(UUID id, long maxNanos) throws InterruptedException {
        return arrivals.await(id, maxNanos, this::find);
    }

    public Set<UUID> volumeIds() {
        return Set.copyOf(volumes.keySet());
    }

    /** Deletes a volume with all its snapshots and files. */
    public void delete(UUID id) throws IOException {
        Objects.requireNonNull(id, "id");
        lifecycle.lock();
        try {
            ensureOpen();
            VolumeImpl v = volumes.remove(id);
            if (v == null) {
                throw new NoSuchVolumeException("volume " + id + " does not exist");
            }
            v.beginDelete();
            v.deleteFiles();
            // The space is free now, whatever the journal is doing: a stalled journal retries at once. The
            // journal may still hold records of this volume; the checkpoint drops them before a volume with the
            // same id can be created (see create). Not waited for: on a full device it may have to wait for room.
            spaceFreed();
            deletedSinceCheckpoint.values().removeIf(CompletableFuture::isDone); // purged already
            deletedSinceCheckpoint.put(id, writer.requestCheckpoint());
            LOG.debugf("deleted volume %s", id);
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Creates {@code newId} as an independent full copy of the source's snapshot (or live content when
     * {@code snapshotNameOrNull} is null). An encrypted source yields a clone encrypted with a new data key.
     * A clone of the live content copies blocks one range at a time: quiesce writers or clone a snapshot
     * for a crash-consistent copy.
     */
    public Volume cloneVolume(UUID source, String snapshotNameOrNull, UUID newId) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(newId, "newId");
        VolumeImpl src = volumes.get(source);
        if (src == null) {
            throw new NoSuchVolumeException("volume " + source + " does not exist");
        }
        if (snapshotNameOrNull != null && src.snapshots().stream().noneMatch(s -> s.name().equals(snapshotNameOrNull))) {
            throw new NoSuchSnapshotException("volume " + source + " has no snapshot '" + snapshotNameOrNull + "'");
        }
        VolumeImpl target = create(newId, src.sizeBytes(), src.blockSize, src.encrypted());
        try {
            VolumeCopier.copy(src, snapshotNameOrNull, target);
        } catch (IOException | RuntimeException e) {
            try {
                delete(newId);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        LOG.debugf("cloned volume %s (snapshot %s) into %s", source, snapshotNameOrNull, newId);
        return target;
    }

    /**
     * Creates a new master key and rewraps every encrypted volume's data key with it, one descriptor at a time
     * (written atomically with fsync), while volumes keep serving I/O: the data keys themselves do not change. The
     * old keys stay held until {@link #destroyRetiredKeys()}, so a crash part way leaves every volume readable; the
     * next {@link #open} finishes the rewrapping.
     */
    public MasterKeyRotation rotateMasterKey() throws IOException {
        RotatableKeyProvider keys = rotatableKeys();
        keyLock.lock();
        try {
            String previous = keys.id();
            String fresh;
            // Under the lifecycle lock no create is between wrapping its key and publishing its volume: every volume
            // created from here on is wrapped by the new key, every earlier one is in the map rewrapKeys walks.
            lifecycle.lock();
            try {
                ensureOpen();
                fresh = rotateProvider(keys);
            } finally {
                lifecycle.unlock();
            }
            int rewrapped = rewrapKeys(keys);
            List<String> retired = keys.keyIds().stream().filter(k -> !k.equals(fresh)).toList();
            LOG.infof("master key rotated from %s to %s: %d volume(s) rewrapped, %d retired key(s) held", previous, fresh,
                    rewrapped, retired.size());
            return new MasterKeyRotation(previous, fresh, rewrapped, retired);
        } finally {
            keyLock.unlock();
        }
    }

    /**
     * A rotation cut short by a crash left some volumes wrapped by an older (still held) key: rewrap them now. A
     * failure only warns: those volumes are readable as they are, and the next rotation retries.
     */
    private void finishInterruptedRotation() {
        KeyProvider keys = core.config.keyProvider();
        if (!(keys instanceof RotatableKeyProvider)) {
            return;
        }
        try {
            int n = rewrapKeys(keys);
            if (n > 0) {
                LOG.infof("finished an interrupted master key rotation: %d volume(s) rewrapped with %s", n, keys.id());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot finish rewrapping data keys with the current master key " + keys.id()
                    + "; the volumes stay readable with their older key, rotate again later", e);
        }
    }

    private static String rotateProvider(RotatableKeyProvider keys) throws IOException {
        try {
            return keys.rotate();
        } catch (java.security.GeneralSecurityException e) {
            throw new EngineException("cannot create a new master key: " + e.getMessage(), e);
        }
    }

    /** Rewraps every volume not wrapped by the current master key; returns how many changed. */
    int rewrapKeys(KeyProvider keys) throws IOException {
        int changed = 0;
        for (UUID id : volumeIds()) {
            lifecycle.lock();
            try {
                ensureOpen();
                VolumeImpl v = volumes.get(id);
                // A volume deleted meanwhile is skipped: its descriptor is gone and must not be written again.
                if (v != null && v.rewrapKey(keys)) {
                    changed++;
                }
            } finally {
                lifecycle.unlock();
            }
        }
        return changed;
    }

    /**
     * Destroys every master key but the current one, after checking that no volume is wrapped by another key (an
     * interrupted rotation must finish first: rotate again or restart the node). Returns the destroyed key ids.
     */
    public List<String> destroyRetiredKeys() throws IOException {
        RotatableKeyProvider keys = rotatableKeys();
        keyLock.lock();
        lifecycle.lock();
        try {
            ensureOpen();
            String current = keys.id();
            long stale = volumes.values().stream().filter(v -> v.masterKeyId() != null && !v.masterKeyId().equals(current)).count();
            if (stale > 0) {
                throw new EngineException(stale + " volume(s) are still wrapped by an older master key; rotate again (or"
                        + " restart the node) to rewrap them before destroying old keys");
            }
            List<String> destroyed = new java.util.ArrayList<>();
            for (String id : keys.keyIds()) {
                if (!id.equals(current)) {
                    try {
                        keys.destroy(id);
                    } catch (java.security.GeneralSecurityException e) {
                        throw new EngineException("cannot destroy master key " + id + ": " + e.getMessage(), e);
                    }
                    destroyed.add(id);
                }
            }
            if (!destroyed.isEmpty()) {
                LOG.infof("destroyed %d retired master key(s): %s", destroyed.size(), String.join(", ", destroyed));
            }
            return destroyed;
        } finally {
            lifecycle.unlock();
            keyLock.unlock();
        }
    }

    /** The master keys and which volumes each wraps. */
    public MasterKeyStatus keyStatus() {
        KeyProvider keys = core.config.keyProvider();
        if (keys == null) {
            return new MasterKeyStatus(null, List.of(), Map.of(), false);
        }
        Map<String, Integer> byKey = new java.util.TreeMap<>();
        for (VolumeImpl v : volumes.values()) {
            String id = v.masterKeyId();
            if (id != null) {
                byKey.merge(id, 1, Integer::sum);
            }
        }
        boolean rotatable = keys instanceof RotatableKeyProvider;
        return new MasterKeyStatus(keys.id(), rotatable ? ((RotatableKeyProvider) keys).keyIds() : List.of(keys.id()), byKey,
                rotatable);
    }

    private RotatableKeyProvider rotatableKeys() throws EngineException {
        KeyProvider keys = core.config.keyProvider();
        if (keys == null) {
            throw new EngineException("no key provider is configured");
        }
        if (!(keys instanceof RotatableKeyProvider r)) {
            throw new EngineException("the key provider " + keys.id() + " does not rotate master keys here"
                    + " (rotate the key in the external key service)");
        }
        return r;
    }

    public EngineStats stats() {
        long[] onDisk = {0};
        try {
            onDisk[0] = NativeIo.allocatedBytesUnder(root);
        } catch (IOException e) {
            LOG.warnf("could not measure disk usage under %s: %s", root, e.toString());
        }
        return new EngineStats(onDisk[0], writer.journalBytes(), volumes.size(),
                core.counters.durableWrites.sum(), core.counters.fsyncs.sum());
    }

    /** Flushes everything, checkpoints and stops the journal thread. Idempotent. */
    @Override
    public void close() throws IOException {
        lifecycle.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            stopMaintenance();
            for (VolumeImpl v : volumes.values()) {
                v.markClosed();
            }
            IOException failure = null;
            try {
                writer.shutdown();
            } catch (IOException e) {
                failure = e;
            }
            for (VolumeImpl v : volumes.values()) {
                try {
                    v.closeFiles();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            rootLock.release();
            if (failure != null) {
                throw failure;
            }
            LOG.debugf("engine at %s closed", root);
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * Stops like a crash: the journal thread halts without draining or checkpointing and files are closed
     * without fsync. Only for tests of recovery.
     */
    void abandonForTest() throws IOException {
        lifecycle.lock();
        try {
            closed = true;
            stopMaintenance();
            for (VolumeImpl v : volumes.values()) {
                v.markClosed();
            }
            writer.halt();
            for (VolumeImpl v : volumes.values()) {
                v.closeFiles();
            }
            rootLock.release();
        } finally {
            lifecycle.unlock();
        }
    }

    /** Installs a fault seam (tests of the out-of-space paths). */
    void injectFaults(DiskFaults faults) {
        core.faults = faults;
    }

    /** Records replayed by the recovery of this open. */
    long recoveredRecords() {
        return recoveredRecords;
    }

    /** Waits until background merges queued so far have finished (tests). */
    void awaitMaintenance() throws IOException {
        for (VolumeImpl v : volumes.values()) {
            try {
                core.maintenance.reclaim(v).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException();
            } catch (ExecutionException e) {
                throw new EngineException("background merge failed: " + e.getCause(), e.getCause());
            }
        }
    }

    private void stopMaintenance() throws InterruptedIOException {
        try {
            core.maintenance.shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stopping snapshot merges");
        }
    }

    /** Space was given back (volume or snapshot deleted): stalled writers retry, the reserve file is topped up. */
    void spaceFreed() {
        core.space.wake();
        if (core.space.heldBytes() == 0) {
            core.space.setHeldBytes(reserve.restore(core.space.available()));
        }
    }

    /** Free space of the engine's file system, the reserve and whether writes are refused for lack of space. */
    public SpaceStats space() {
        return new SpaceStats(core.space.available(), core.space.reserved(), core.space.heldBytes(),
                core.space.stalled());
    }

    private static void await(CompletableFuture<Void> checkpoint) throws IOException {
        try {
            checkpoint.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a checkpoint");
        } catch (ExecutionException e) {
            throw new EngineException("checkpoint failed: " + e.getCause(), e.getCause());
        }
    }

    private void ensureOpen() throws EngineException {
        if (closed) {
            throw new EngineException("storage engine at " + root + " is closed");
        }
    }
}
