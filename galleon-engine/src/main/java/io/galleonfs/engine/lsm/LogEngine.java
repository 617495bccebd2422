package io.galleonfs.engine.lsm;

import io.galleonfs.engine.AtomicFiles;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.EngineStats;
import io.galleonfs.engine.FreeSpace;
import io.galleonfs.engine.KeyProvider;
import io.galleonfs.engine.MasterKeyRotation;
import io.galleonfs.engine.MasterKeyStatus;
import io.galleonfs.engine.NativeIo;
import io.galleonfs.engine.RootLock;
import io.galleonfs.engine.RotatableKeyProvider;
import io.galleonfs.engine.SpaceStats;
import io.galleonfs.engine.StorageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import io.galleonfs.engine.VolumeCipher;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
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
 * The volumes of one {@link LogStore}: creates, finds, deletes and clones {@link LogVolume}s; the node's engine for roots
 * in format {@link StorageFormat#LOG_V1} (issue 18). Layout: {@code <root>/store/} is the log store,
 * {@code <root>/volumes/<uuid>.vol} each volume's size and key ({@link VolumeDescriptorFile}). A descriptor's existence is the volume's: written after a clone's record,
 * deleted before a delete's DROP; at open, blocks of volumes without a descriptor (a crash between the two steps) are
 * dropped.
 */
public final class LogEngine implements BlockEngine {
    private static final Logger LOG = Logger.getLogger(LogEngine.class);
    static final String STORE_DIR = "store";
    static final String VOLUMES_DIR = "volumes";

    private final LogStore store;
    private final Path root;
    private final Path volumesDir;
    private final Map<UUID, LogVolume> volumes = new ConcurrentHashMap<>();
    private final io.galleonfs.engine.VolumeArrivals arrivals = new io.galleonfs.engine.VolumeArrivals();
    /** Plain volumes whose descriptor is being written outside the registry lock (guarded by it). */
    private final java.util.Set<UUID> creating = new java.util.HashSet<>();
    /** Block locks for read-modify-writes, shared by all volumes (see {@link BlockStripes}). */
    private final BlockStripes blockStripes = new BlockStripes();
    /** Serialises create, delete, clone and key rewrapping (their descriptor and store steps). */
    private final Object registry = new Object();
    /** Serialises rotations and key destruction; taken before {@link #registry}. */
    private final Object keyLock = new Object();

    private final KeyProvider keys;
    /** The engine root's lock when opened as the node's engine ({@link #open(EngineConfig)}), else null. */
    private volatile RootLock rootLock;
    private volatile long reservedBytes;
    private volatile FreeSpace freeSpace;
    /** Background cleaning and space admission: set only on an engine opened as the node's ({@link #open(EngineConfig)}). */
    private volatile BackgroundCleaner cleaner;
    private volatile LogSpaceGuard spaceGuard;
    private volatile boolean closed;
    /** Decrypted blocks of the encrypted volumes, shared by them ({@code EngineConfig.readCacheBytes}); null: none. */
    private volatile io.galleonfs.engine.DecryptedBlockCache decrypted;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Gives the encrypted volumes a cache of decrypted blocks of at most {@code bytes} (0: none). */
    void useReadCache(long bytes) {
        decrypted = io.galleonfs.engine.DecryptedBlockCache.ofBytes(bytes);
    }

    /** The cache of decrypted blocks, or null when this engine has none. */
    io.galleonfs.engine.DecryptedBlockCache decryptedBlocks() {
        return decrypted;
    }

    private LogEngine(LogStore store, Path root, KeyProvider keys) {
        this.store = store;
        this.root = root;
        this.volumesDir = root.resolve(VOLUMES_DIR);
        this.keys = keys;
    }

    /**
     * Opens the engine root {@code cfg.root()} in format {@link StorageFormat#LOG_V1} as the node's engine (through
     * {@link BlockEngine#open}): takes the root's lock, checks or records the format file, then opens the store in
     * {@code <root>/store} and the volumes in {@code <root>/volumes}, with a cache of decrypted blocks of
     * {@code cfg.readCacheBytes()}. Layer engine settings without a meaning here (journal checkpoint size, dirty bytes)
     * are ignored. Starts the background cleaner and the space guard.
     */
    public static LogEngine open(EngineConfig cfg) throws IOException {
        Path root = cfg.root().toAbsolutePath();
        Files.createDirectories(root);
        RootLock lock = RootLock.acquire(root);
        try {
            long started = System.nanoTime();
            StorageFormat.checkOrRecord(root, StorageFormat.LOG_V1);
            LogEngine engine = open(root, cfg.blockSize(), LogStoreConfig.DEFAULT_SEGMENT_BYTES,
                    LogStoreConfig.DEFAULT_CHECKPOINT_BYTES, cfg.keyProvider());
            engine.rootLock = lock; // from here on, close() releases it
            try {
                engine.useReadCache(cfg.readCacheBytes());
                engine.reservedBytes = cfg.reservedBytes();
                engine.freeSpace = cfg.freeSpace() != null ? cfg.freeSpace() : FreeSpace.of(root);
                engine.startMaintenance(LogStoreConfig.DEFAULT_SEGMENT_BYTES);
                LOG.infof("log engine at %s open: %d volume(s), %d log records replayed in %d ms", root, engine.volumes.size(),
                        engine.store.stats().replayedRecords(), (System.nanoTime() - started) / 1_000_000);
                engine.finishInterruptedRotation();
                return engine;
            } catch (IOException | RuntimeException e) {
                try {
                    engine.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            lock.release(); // idempotent: a no-op when close() released it
            throw e;
        }
    }

    /**
     * Opens (creating if needed) the engine at {@code root} with these store settings.
     *
     * @param keys wraps the data keys of encrypted volumes (as the layer engine's); null: only plain volumes
     */
    public static LogEngine open(Path root, int blockSize, long segmentBytes, long checkpointBytes, KeyProvider keys)
            throws IOException {
        Files.createDirectories(root.resolve(VOLUMES_DIR));
        LogStore store = LogStore.open(new LogStoreConfig(root.resolve(STORE_DIR), blockSize, segmentBytes, checkpointBytes));
        LogEngine engine = new LogEngine(store, root, keys);
        try {
            engine.load();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        return engine;
    }

    /**
     * The block size of the log store under engine root {@code root}, from its volume descriptors (changing nothing), or
     * empty when it holds no volume. The store has one block size, so a node configured with another cannot open it: the
     * daemon's preflight says so in one line, and {@code storage convert} takes it as its default.
     */
    public static java.util.OptionalInt recordedBlockSize(Path root) throws IOException {
        Path dir = root.resolve(VOLUMES_DIR);
        if (!Files.isDirectory(dir)) {
            return java.util.OptionalInt.empty();
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + VolumeDescriptorFile.SUFFIX)) {
            for (Path f : files) {
                return java.util.OptionalInt.of(VolumeDescriptorFile.read(f).blockSize());
            }
        }
        return java.util.OptionalInt.empty();
    }

    /** Default store settings (64 MiB segments, a checkpoint per GiB of log). */
    public static LogEngine open(Path root, int blockSize, KeyProvider keys) throws IOException {
        return open(root, blockSize, LogStoreConfig.DEFAULT_SEGMENT_BYTES, LogStoreConfig.DEFAULT_CHECKPOINT_BYTES, keys);
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
                volumes.put(d.id(), new LogVolume(this, store, d, cipherOf(d)));
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

    @Override
    public String format() {
        return StorageFormat.LOG_V1;
    }

    /** The cipher of an encrypted volume's descriptor (its data key unwrapped), null for a plain one. */
    private VolumeCipher cipherOf(VolumeDescriptorFile d) throws IOException {
        if (!d.encrypted()) {
            return null;
        }
        if (keys == null) {
            throw new EngineException("volume " + d.id() + " is encrypted and the engine has no key provider");
        }
        try {
            return new VolumeCipher(keys.unwrap(d.keyId(), d.wrappedKey()), d.aadVolume());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new EngineException("cannot unwrap the data key of volume " + d.id() + " (wrapped by master key '"
                    + d.keyId() + "')", e);
        }
    }

    /**
     * Creates an empty thin volume; an encrypted one gets a new random AES-256 data key, wrapped by the key provider.
     */
    @Override
    public Volume create(UUID id, long sizeBytes, boolean encrypted) throws IOException {
        if (encrypted && keys == null) {
            throw new EngineException("encrypted volumes need a key provider");
        }
        checkSize(sizeBytes);
        if (encrypted) {
            return createEncrypted(id, sizeBytes);
        }
        // A plain volume's descriptor (two fsyncs) is written outside the registry lock: under a stream of creates the
        // node's watcher and its REST threads queued behind each other's fsyncs there, spinning on the monitor.
        synchronized (registry) {
            ensureOpen();
            if (volumes.containsKey(id) || !creating.add(id)) {
                throw new VolumeExistsException("volume " + id + " already exists");
            }
        }
        try {
            if (store.hasVolume(id)) {
                store.dropVolume(id, WriteConcern.DURABLE); // leftovers of an earlier incarnation
            }
            VolumeDescriptorFile d = new VolumeDescriptorFile(id, sizeBytes, store.blockSize(), null, null, null);
            d.write(volumesDir);
            LogVolume v;
            synchronized (registry) {
                // closed meanwhile: the descriptor stays and the next open finds the volume, as after a crash here
                ensureOpen();
                v = new LogVolume(this, store, d, cipherOf(d));
                volumes.put(id, v);
            }
            arrivals.arrived(id);
            return v;
        } finally {
            synchronized (registry) {
                creating.remove(id);
            }
        }
    }

    /** Under the registry lock throughout: a master key rotation must not fall between wrapping the key and publishing. */
    private Volume createEncrypted(UUID id, long sizeBytes) throws IOException {
        synchronized (registry) {
            ensureOpen();
            if (volumes.containsKey(id) || creating.contains(id)) {
                throw new VolumeExistsException("volume " + id + " already exists");
            }
            if (store.hasVolume(id)) {
                store.dropVolume(id, WriteConcern.DURABLE); // leftovers of an earlier incarnation
            }
            byte[] dataKey = new byte[32];
            RANDOM.nextBytes(dataKey);
            KeyProvider.WrappedKey wrapped;
            try {
                wrapped = keys.wrapCurrent(dataKey);
            } catch (GeneralSecurityException e) {
                throw new EngineException("cannot wrap the data key of volume " + id, e);
            }
            VolumeDescriptorFile d = new VolumeDescriptorFile(id, sizeBytes, store.blockSize(), id, wrapped.keyId(), wrapped.bytes());
            d.write(volumesDir);
            LogVolume v = new LogVolume(this, store, d, cipherOf(d));
            volumes.put(id, v);
            arrivals.arrived(id);
            return v;
        }
    }

    @Override
    public Optional<Volume> find(UUID id) {
        return Optional.ofNullable(volumes.get(id));
    }

    @Override
    public Optional<Volume> awaitVolume(UUID id, long maxNanos) throws InterruptedException {
        return arrivals.await(id, maxNanos, this::find);
    }

    @Override
    public Set<UUID> volumeIds() {
        return new HashSet<>(volumes.keySet());
    }

    /** Deletes a volume, its snapshots and (once the cleaner ran) its space. */
    @Override
    public void delete(UUID id) throws IOException {
        synchronized (registry) {
            ensureOpen();
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
        BackgroundCleaner c = cleaner;
        if (c != null) {
            c.nudge(); // the volume's blocks are garbage now: a check now, not at the next interval
        }
    }

    /**
     * Creates volume {@code newId} with the content of {@code source}'s snapshot (null: its live view). The index entries
     * are copied, the records shared: no data is copied. A clone of an encrypted volume shares its records and so its
     * data key and AAD volume id (the layer engine re-encrypts a clone under a new key; here that would be a copy).
     */
    @Override
    public Volume cloneVolume(UUID source, String snapshotNameOrNull, UUID newId) throws IOException {
        synchronized (registry) {
            ensureOpen();
            LogVolume src = volumes.get(source);
            if (src == null) {
                throw new NoSuchVolumeException("no volume " + source);
            }
            if (volumes.containsKey(newId) || creating.contains(newId)) {
                throw new VolumeExistsException("volume " + newId + " already exists");
            }
            if (store.hasVolume(newId)) {
                store.dropVolume(newId, WriteConcern.DURABLE);
            }
            long size = src.cloneInto(snapshotNameOrNull, newId);
            VolumeDescriptorFile s = src.descriptor();
            VolumeDescriptorFile d = new VolumeDescriptorFile(newId, size, store.blockSize(), s.aadVolume(), s.keyId(),
                    s.wrappedKey());
            d.write(volumesDir);
            LogVolume v = new LogVolume(this, store, d, cipherOf(d));
            volumes.put(newId, v);
            arrivals.arrived(newId);
            return v;
        }
    }

    /** Persists a volume's descriptor (expand). */
    void writeDescriptor(VolumeDescriptorFile d) throws IOException {
        d.write(volumesDir);
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

    // ------------------------------------------------------------------------------------------ master keys

    /**
     * Creates a new master key and rewraps every encrypted volume's data key with it, one descriptor at a time (replaced
     * atomically), while volumes keep serving I/O: the data keys do not change. A clone has its own descriptor (with the
     * source's data key), rewrapped like any volume. The old keys stay held until {@link #destroyRetiredKeys()}; a crash
     * part way leaves every descriptor wrapped by a held key, and the next {@link #open(EngineConfig)} finishes.
     */
    @Override
    public MasterKeyRotation rotateMasterKey() throws IOException {
        RotatableKeyProvider rotatable = rotatableKeys();
        synchronized (keyLock) {
            String previous = rotatable.id();
            String fresh;
            // Under the registry lock no create is between wrapping its key and publishing its volume.
            synchronized (registry) {
                ensureOpen();
                try {
                    fresh = rotatable.rotate();
                } catch (GeneralSecurityException e) {
                    throw new EngineException("cannot create a new master key: " + e.getMessage(), e);
                }
            }
            int rewrapped = rewrapKeys();
            List<String> retired = rotatable.keyIds().stream().filter(k -> !k.equals(fresh)).toList();
            LOG.infof("master key rotated from %s to %s: %d log volume(s) rewrapped, %d retired key(s) held", previous, fresh,
                    rewrapped, retired.size());
            return new MasterKeyRotation(previous, fresh, rewrapped, retired);
        }
    }

    /** Rewraps every volume whose descriptor names another key than the current one; returns how many changed. */
    private int rewrapKeys() throws IOException {
        int changed = 0;
        for (UUID id : volumeIds()) {
            synchronized (registry) {
                ensureOpen();
                LogVolume v = volumes.get(id);
                // A volume deleted meanwhile is skipped: its descriptor is gone and must not be written again.
                if (v != null && v.rewrapKey(keys)) {
                    changed++;
                }
            }
        }
        return changed;
    }

    /** A rotation cut short by a crash: rewrap what is left. A failure only warns (the old keys are still held). */
    private void finishInterruptedRotation() {
        if (!(keys instanceof RotatableKeyProvider)) {
            return;
        }
        try {
            int n = rewrapKeys();
            if (n > 0) {
                LOG.infof("finished an interrupted master key rotation: %d log volume(s) rewrapped with %s", n, keys.id());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot finish rewrapping data keys with the current master key " + keys.id()
                    + "; the volumes stay readable with their older key, rotate again later", e);
        }
    }

    @Override
    public List<String> destroyRetiredKeys() throws IOException {
        RotatableKeyProvider rotatable = rotatableKeys();
        synchronized (keyLock) {
            synchronized (registry) {
                ensureOpen();
                String current = rotatable.id();
                long stale = volumes.values().stream().filter(v -> v.masterKeyId() != null && !v.masterKeyId().equals(current))
                        .count();
                if (stale > 0) {
                    throw new EngineException(stale + " volume(s) are still wrapped by an older master key; rotate again (or"
                            + " restart the node) to rewrap them before destroying old keys");
                }
                List<String> destroyed = new ArrayList<>();
                for (String keyId : rotatable.keyIds()) {
                    if (!keyId.equals(current)) {
                        try {
                            rotatable.destroy(keyId);
                        } catch (GeneralSecurityException e) {
                            throw new EngineException("cannot destroy master key " + keyId + ": " + e.getMessage(), e);
                        }
                        destroyed.add(keyId);
                    }
                }
                if (!destroyed.isEmpty()) {
                    LOG.infof("destroyed %d retired master key(s): %s", destroyed.size(), String.join(", ", destroyed));
                }
                return destroyed;
            }
        }
    }

    @Override
    public MasterKeyStatus keyStatus() {
        if (keys == null) {
            return new MasterKeyStatus(null, List.of(), Map.of(), false);
        }
        Map<String, Integer> byKey = new TreeMap<>();
        for (LogVolume v : volumes.values()) {
            if (v.masterKeyId() != null) {
                byKey.merge(v.masterKeyId(), 1, Integer::sum);
            }
        }
        boolean rotatable = keys instanceof RotatableKeyProvider;
        return new MasterKeyStatus(keys.id(), rotatable ? ((RotatableKeyProvider) keys).keyIds() : List.of(keys.id()), byKey,
                rotatable);
    }

    private RotatableKeyProvider rotatableKeys() throws EngineException {
        if (keys == null) {
            throw new EngineException("no key provider is configured");
        }
        if (!(keys instanceof RotatableKeyProvider r)) {
            throw new EngineException("the key provider " + keys.id() + " does not rotate master keys here"
                    + " (rotate the key in the external key service)");
        }
        return r;
    }

    // ------------------------------------------------------------------------------------------ figures

    /**
     * {@code bytesOnDisk}: what the file system allocated under the root; {@code journalBytes}: the log's segment files
     * (the log is the journal); {@code durableWrites}: records appended for a durable caller.
     */
    @Override
    public EngineStats stats() {
        long[] onDisk = {0};
        try {
            onDisk[0] = NativeIo.allocatedBytesUnder(root);
        } catch (IOException e) {
            LOG.warnf("could not measure disk usage under %s: %s", root, e.toString());
        }
        try {
            LogStoreStats s = store.stats();
            return new EngineStats(onDisk[0], s.segmentBytes(), volumes.size(), s.durableRecords(), s.fsyncs());
        } catch (IOException e) {
            LOG.warnf("could not read the log store's counters under %s: %s", root, e.toString());
            return new EngineStats(onDisk[0], 0, volumes.size(), 0, 0);
        }
    }

    /**
     * Free space and the configured reserve; {@code writesRefused} while the space guard refuses client writes (no
     * reserve file on this format: the reserve is kept free by refusing writes, see {@link LogSpaceGuard}).
     */
    @Override
    public SpaceStats space() {
        long available = -1;
        FreeSpace probe = freeSpace;
        try {
            available = (probe != null ? probe : FreeSpace.of(root)).availableBytes();
        } catch (IOException e) {
            LOG.debugf("free space of %s unknown: %s", root, e);
        }
        LogSpaceGuard g = spaceGuard;
        return new SpaceStats(available, reservedBytes, 0, g != null && g.refusing());
    }

    /**
     * The node's engine cleans in the background and refuses client writes near a full disk; an engine opened by a test
     * or a tool (the converter) on its own does neither, so nothing moves under it.
     */
    private void startMaintenance(long segmentBytes) {
        BackgroundCleaner c = new BackgroundCleaner(store, BackgroundCleaner.Policy.defaults(segmentBytes));
        spaceGuard = new LogSpaceGuard(freeSpace, reservedBytes, segmentBytes, c::spaceShort);
        cleaner = c.start();
    }

    /** Refuses a client write of {@code bytes} when the disk is nearly full (node engines only). */
    void admit(long bytes) throws io.galleonfs.engine.OutOfSpaceException {
        LogSpaceGuard g = spaceGuard;
        if (g != null) {
            g.admit(bytes);
        }
    }

    /** What the background cleaner did since open; empty for an engine without one. */
    public Optional<BackgroundCleaner.Counters> cleanerCounters() {
        BackgroundCleaner c = cleaner;
        return c == null ? Optional.empty() : Optional.of(c.counters());
    }

    BlockStripes blockStripes() {
        return blockStripes;
    }

    private void ensureOpen() throws EngineException {
        if (closed) {
            throw new EngineException("storage engine at " + root + " is closed");
        }
    }

    /** Checkpoints and closes the store, then releases the root. Idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (registry) {
            if (closed) {
                return;
            }
            closed = true;
            for (LogVolume v : volumes.values()) {
                v.retire();
            }
            BackgroundCleaner c = cleaner;
            if (c != null) {
                c.close(); // before the store: a pass in progress ends at its current step
            }
            try {
                store.close();
            } finally {
                RootLock lock = rootLock;
                if (lock != null) {
                    lock.release();
                }
            }
        }
    }
}
