package io.galleonfs.backup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * A deduplicating, compressed, encrypted backup repository on an {@link ObjectStore} (layout and formats:
 * docs/ARCHITECTURE.md, "Backup repository"). A handle is thread-safe: operations that write (backup, copy into it,
 * prune) run one at a time per handle, reads (restore, verify, list) run alongside them. Several processes may back
 * up into one repository concurrently; prune takes an exclusive lock.
 *
 * <p>Blocking: every method does I/O on the calling thread (plus internal worker threads); call it from a worker
 * pool, never from an event loop.
 */
public final class BackupRepository implements AutoCloseable {
    static final String CONFIG = "config";
    private static final Logger LOG = Logger.getLogger(BackupRepository.class);
    private static final byte[] CONFIG_MAGIC = Codecs.ascii("GLNREPO1");
    private static final int FORMAT = 1;
    private static final Pattern BACKUP_ID = Pattern.compile("[0-9a-f]{20}");
    private static final Pattern PACK_KEY = Pattern.compile("data/[0-9a-f]{2}/[0-9a-f]{64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectStore store;
    private final RepositoryKeys keys;
    private final RepositoryOptions options;
    private final String repositoryId;
    private final byte[] masterKey;
    private final ExecutorService workers;
    private final ExecutorService uploader;
    private final ScheduledExecutorService timer;
    private final RepositoryLocks locks;
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile ChunkIndex index = new ChunkIndex();
    private final Set<String> loadedIndexKeys = new HashSet<>();
    private final ByteArrayOutputStream unindexedIds = new ByteArrayOutputStream();
    private volatile boolean indexStale = true;

    private BackupRepository(ObjectStore store, byte[] masterKey, String repositoryId, RepositoryOptions options) {
        this.store = store;
        this.masterKey = masterKey;
        this.keys = new RepositoryKeys(masterKey);
        this.options = options;
        this.repositoryId = repositoryId;
        this.workers = Executors.newFixedThreadPool(Math.max(1, options.threads()), daemon("galleon-backup-worker"));
        this.uploader = Executors.newFixedThreadPool(options.uploads(), daemon("galleon-backup-upload"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("galleon-backup-lock"));
        this.locks = new RepositoryLocks(store, options.lockExpiry(), timer);
        CryptoWarmup.start();
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Creates a repository on an empty target: a random 256-bit master key wrapped by the recovery passphrase
     * (scrypt) and, when given, by the cluster key. The returned handle is open and unlocked.
     *
     * @throws RepositoryExistsException if the target already holds a repository
     * @throws InvalidTargetException    if the passphrase is shorter than 8 characters
     */
    public static BackupRepository init(ObjectStore store, char[] recoveryPassphrase, byte[] clusterKeyOrNull) {
        return init(store, recoveryPassphrase, clusterKeyOrNull, RepositoryOptions.defaults());
    }

    public static BackupRepository init(ObjectStore store, char[] recoveryPassphrase, byte[] clusterKeyOrNull,
                                        RepositoryOptions options) {
        if (exists(store)) {
            throw new RepositoryExistsException("a backup repository already exists at " + store.describe());
        }
        byte[] master = RepositoryKeys.randomBytes(32);
        byte[] recovery = KeyWrapping.wrapWithPassphrase(master, recoveryPassphrase);
        store.put(KeyWrapping.RECOVERY, recovery);
        if (clusterKeyOrNull != null) {
            store.put(KeyWrapping.CLUSTER, KeyWrapping.wrapWithClusterKey(master, clusterKeyOrNull));
        } else {
            store.delete(KeyWrapping.CLUSTER);
        }
        String id = Codecs.HEX.formatHex(RepositoryKeys.randomBytes(16));
        // The config goes last: a crash before it leaves no repository, and init can simply run again.
        store.put(CONFIG, encodeConfig(id));
        LOG.infof("initialised backup repository %s at %s", id, store.describe());
        BackupRepository repo = new BackupRepository(store, master, id, options);
        repo.indexStale = false;
        return repo;
    }

    /**
     * Opens an existing repository.
     *
     * @throws RepositoryNotFoundException if the target holds no repository
     * @throws WrongPassphraseException    if the passphrase / cluster key unwraps no key
     */
    public static BackupRepository open(ObjectStore store, Unlock unlock) {
        return open(store, unlock, RepositoryOptions.defaults());
    }

    public static BackupRepository open(ObjectStore store, Unlock unlock, RepositoryOptions options) {
        byte[] config;
        try {
            config = store.get(CONFIG);
        } catch (ObjectNotFoundException e) {
            throw new RepositoryNotFoundException("no backup repository at " + store.describe(), e);
        }
        String id = decodeConfig(config);
        byte[] master = switch (unlock) {
            case Unlock.Passphrase p -> KeyWrapping.unwrapWithPassphrase(keyObject(store, KeyWrapping.RECOVERY,
                    "recovery passphrase"), p.passphrase());
            case Unlock.ClusterKey c -> KeyWrapping.unwrapWithClusterKey(keyObject(store, KeyWrapping.CLUSTER,
                    "cluster key"), c.key());
        };
        BackupRepository repo = new BackupRepository(store, master, id, options);
        try {
            repo.refreshIndex();
        } catch (RuntimeException e) {
            repo.close();
            throw e;
        }
        return repo;
    }

    private static byte[] keyObject(ObjectStore store, String key, String what) {
        try {
            return store.get(key);
        } catch (ObjectNotFoundException e) {
            throw new WrongPassphraseException("the backup repository at " + store.describe()
                    + " is not wrapped by a " + what + "; open it with the recovery passphrase", e);
        }
    }

    /**
     * Starts compiling the JDK's AES-GCM and SHA-256 code on a low-priority background thread, once per process
     * (see {@link CryptoWarmup}); a process that will run backups calls it at start so the first job runs at full
     * speed. Opening a repository starts it too.
     */
    public static void warmUpCrypto() {
        CryptoWarmup.start();
    }

    /** True if {@code store} holds a repository (its config object exists). */
    public static boolean exists(ObjectStore store) {
        return store.exists(CONFIG);
    }

    private static byte[] encodeConfig(String id) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.write(CONFIG_MAGIC);
            out.writeInt(FORMAT);
            out.writeUTF(id);
            out.writeLong(System.currentTimeMillis());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bos.toByteArray();
    }

    private static String decodeConfig(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte[] magic = new byte[CONFIG_MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, CONFIG_MAGIC)) {
                throw new RepositoryCorruptedException("the target's config object is not a GalleonFS backup config");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new RepositoryCorruptedException("unsupported backup repository format " + format);
            }
            return in.readUTF();
        } catch (IOException e) {
            throw new RepositoryCorruptedException("truncated backup repository config", e);
        }
    }

    /** Random id of this repository (hex), stable for its lifetime; copies have their own. */
    public String repositoryId() {
        return repositoryId;
    }

    /** The target this repository lives on. */
    public ObjectStore store() {
        return store;
    }

    /**
     * (Re-)wraps the master key with {@code clusterKey}, replacing an earlier cluster-key wrapping: how a new cluster
     * that opened the repository with the passphrase adopts it.
     */
    public void setClusterKey(byte[] clusterKey) {
        store.put(KeyWrapping.CLUSTER, KeyWrapping.wrapWithClusterKey(masterKey, clusterKey));
    }

    /** Replaces the recovery passphrase (the old one stops working). */
    public void changePassphrase(char[] newPassphrase) {
        store.put(KeyWrapping.RECOVERY, KeyWrapping.wrapWithPassphrase(masterKey, newPassphrase));
    }

    /**
     * Backs up the blocks {@link BackupSource#blocksToRead()} names, laid over the parent's extent map for
     * INCREMENTAL/DIFFERENTIAL. Packs and the index are durable before the manifest is written, so a crash leaves no
     * manifest referring to a missing chunk, and a retry re-uses every chunk already stored.
     *
     * @throws InvalidBackupRequestException incremental/differential without a parent, or block size mismatch
     * @throws BackupNotFoundException       the parent does not exist
     * @throws BackupCancelledException      cancelled; nothing is lost, a retry re-uses the packs written
     * @throws RepositoryLockedException     a prune holds the repository
     */
    public BackupManifest backup(BackupRequest request, BackupSource source, Progress progress,
                                 Cancellation cancellation) {
        writeLock.lock();
        try (RepositoryLocks.Held lock = locks.acquire(false)) {
            prepareWrite(progress);
            return new BackupRun(this, request, source, progress, cancellation, lock).run();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Restores a backup into {@code sink}, checking every chunk's GCM tag and keyed id before its bytes are written.
     *
     * @throws RestoreTargetTooSmallException before writing anything, if the sink is smaller than the backup
     * @throws ChunkCorruptedException        at the first bad or missing chunk, naming it and its volume range
     */
    public void restore(String backupId, RestoreSink sink, Progress progress, Cancellation cancellation) {
        new RestoreRun(this, manifest(backupId), sink, progress, cancellation).run();
    }

    /** Checks a backup without restoring: quick = presence and sizes; otherwise reads and checks every chunk. */
    public VerifyResult verify(String backupId, boolean quick, Progress progress, Cancellation cancellation) {
        return new VerifyRun(this, manifest(backupId), quick, progress, cancellation).run();
    }

    /**
     * Copies a backup into another repository under the same backup id, transferring only the chunks the destination
     * lacks (chunks are decrypted, re-identified under the destination's key and re-encrypted). Copying a backup the
     * destination already holds transfers nothing.
     */
    public CopyResult copyTo(String backupId, BackupRepository destination, Progress progress,
                             Cancellation cancellation) {
        if (destination == this || destination.repositoryId.equals(repositoryId)) {
            throw new InvalidBackupRequestException("cannot copy a backup into the repository it is in");
        }
        BackupManifest manifest = manifest(backupId);
        destination.writeLock.lock();
        try (RepositoryLocks.Held lock = destination.locks.acquire(false)) {
            destination.prepareWrite(progress);
            return new CopyRun(this, manifest, destination, progress, cancellation, lock).run();
        } finally {
            destination.writeLock.unlock();
        }
    }

    /** Deletes a backup's manifest; its chunks are reclaimed by {@link #prune}. */
    public void delete(String backupId) {
        String key = manifestKey(backupId);
        if (!store.exists(key)) {
            throw new BackupNotFoundException("no backup " + backupId + " in " + store.describe());
        }
        store.delete(key);
        LOG.infof("deleted backup %s from %s", backupId, store.describe());
    }

    /**
     * Garbage-collects chunks no manifest references: deletes wholly unreferenced packs, rewrites packs with at least
     * {@link RepositoryOptions#repackUnusedRatio()} unreferenced bytes, consolidates index files. Takes the exclusive
     * lock (fails with {@link RepositoryLockedException} while a backup holds a live lock).
     */
    public PruneResult prune(Progress progress, Cancellation cancellation) {
        writeLock.lock();
        try (RepositoryLocks.Held lock = locks.acquire(true)) {
            indexStale = true;
            prepareWrite(progress);
            try {
                return new PruneRun(this, progress, cancellation, lock).run();
            } finally {
                indexStale = true;
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Every backup, oldest first (reads only manifest headers; an unreadable manifest is logged and skipped). */
    public List<BackupInfo> list() {
        List<BackupInfo> out = new ArrayList<>();
        for (ObjectInfo o : store.list(ManifestCodec.PREFIX)) {
            String id = o.key().substring(ManifestCodec.PREFIX.length());
            try {
                out.add(readHeader(o.key(), id, o.size()));
            } catch (ObjectNotFoundException gone) {
                // deleted while listing
            } catch (RepositoryCorruptedException e) {
                LOG.warnf("skipping unreadable manifest %s on %s: %s", o.key(), store.describe(), e.getMessage());
            }
        }
        out.sort(Comparator.comparing(BackupInfo::created).thenComparing(BackupInfo::id));
        return out;
    }

    private BackupInfo readHeader(String key, String id, long size) {
        byte[] prefix = store.getRange(key, 0, (int) Math.min(size, 4096));
        int needed = ManifestCodec.headerBytesNeeded(prefix, id);
        if (needed > prefix.length) {
            if (needed > size) {
                throw new RepositoryCorruptedException("manifest " + id + " is truncated");
            }
            prefix = store.getRange(key, 0, needed);
        }
        return ManifestCodec.decodeHeader(keys, id, prefix);
    }

    /** Header of one backup. */
    public BackupInfo info(String backupId) {
        String key = manifestKey(backupId);
        long size = store.size(key);
        if (size < 0) {
            throw new BackupNotFoundException("no backup " + backupId + " in " + store.describe());
        }
        return readHeader(key, backupId, size);
    }

    /** The complete manifest (header and extent map) of one backup. */
    public BackupManifest manifest(String backupId) {
        String key = manifestKey(backupId);
        byte[] obj;
        try {
            obj = store.get(key);
        } catch (ObjectNotFoundException e) {
            throw new BackupNotFoundException("no backup " + backupId + " in " + store.describe(), e);
        }
        return ManifestCodec.decode(keys, backupId, obj);
    }

    private String manifestKey(String backupId) {
        if (backupId == null || !BACKUP_ID.matcher(backupId).matches()) {
            throw new BackupNotFoundException("no backup " + backupId + " in " + store.describe()
                    + " (backup ids are 20 hex digits)");
        }
        return ManifestCodec.key(backupId);
    }

    static String newBackupId() {
        return String.format("%012x%08x", System.currentTimeMillis(), RANDOM.nextInt());
    }

    /** Releases worker threads; does not close the object store (the caller owns it). */
    @Override
    public void close() {
        workers.shutdownNow();
        uploader.shutdownNow();
        timer.shutdownNow();
    }

    // ---- internals shared by the operation classes ----

    ChunkIndex index() {
        return index;
    }

    RepositoryKeys keys() {
        return keys;
    }

    RepositoryOptions options() {
        return options;
    }

    ExecutorService workers() {
        return workers;
    }

    ExecutorService uploader() {
        return uploader;
    }

    RepositoryLocks locks() {
        return locks;
    }

    void markIndexStale() {
        indexStale = true;
    }

    private void prepareWrite(Progress progress) {
        progress.update(Phase.LOADING_INDEX, 0, 0);
        if (indexStale) {
            synchronized (this) {
                index = new ChunkIndex();
                loadedIndexKeys.clear();
                unindexedIds.reset();
            }
        }
        refreshIndex();
    }

    /**
     * Loads index objects not loaded yet, then reads the trailer of every pack no index names (packs of a crashed or
     * concurrent run) so their chunks are re-used; those are written into the next session's index.
     */
    synchronized void refreshIndex() {
        ChunkIndex idx = index;
        synchronized (idx) {
            for (ObjectInfo o : store.list(IndexFiles.PREFIX)) {
                if (loadedIndexKeys.add(o.key())) {
                    try {
                        IndexFiles.load(store, keys, o.key(), idx);
                    } catch (ObjectNotFoundException gone) {
                        loadedIndexKeys.remove(o.key());
                    }
                }
            }
            for (ObjectInfo o : store.list("data/")) {
                if (!PACK_KEY.matcher(o.key()).matches()) {
                    continue;
                }
                String packId = PackWriter.idOfKey(o.key());
                if (idx.hasPack(packId)) {
                    continue;
                }
                try {
                    int packNo = idx.packNumber(packId);
                    for (PackEntry e : PackReader.readTrailer(store, o.key(), o.size(), keys)) {
                        if (idx.add(e.id(), 0, packNo, e.offset(), e.blobLength(), e.plainLength())) {
                            unindexedIds.writeBytes(e.id());
                        }
                    }
                    LOG.infof("found pack %s without an index on %s (left by an interrupted run); re-using it",
                            packId, store.describe());
                } catch (RepositoryCorruptedException | ObjectNotFoundException e) {
                    LOG.warnf("ignoring unreadable pack %s on %s: %s", o.key(), store.describe(), e.getMessage());
                }
            }
        }
        indexStale = false;
    }

    /** Writes index objects for {@code ids} (32 bytes each) plus the chunks of packs found without an index. */
    synchronized List<String> writeIndexFor(byte[] ids) {
        ChunkIndex idx = index;
        synchronized (idx) {
            byte[] orphan = unindexedIds.toByteArray();
            Set<java.nio.ByteBuffer> seen = new LinkedHashSet<>();
            int[] slots = new int[(ids.length + orphan.length) / 32];
            int n = 0;
            for (byte[] src : new byte[][] {ids, orphan}) {
                for (int off = 0; off < src.length; off += 32) {
                    int slot = idx.find(src, off);
                    if (slot >= 0 && seen.add(java.nio.ByteBuffer.wrap(src, off, 32).slice())) {
                        slots[n++] = slot;
                    }
                }
            }
            if (n == 0) {
                return List.of();
            }
            List<String> written = IndexFiles.write(store, keys, idx, slots, n);
            loadedIndexKeys.addAll(written);
            unindexedIds.reset();
            return written;
        }
    }

    /** Keys of the index objects this handle has loaded or written. */
    synchronized Set<String> loadedIndexKeys() {
        return new HashSet<>(loadedIndexKeys);
    }

    /** Where each chunk of {@code map} is stored; refreshes the index once if some chunk is unknown. */
    ChunkReader.Location[] locate(ExtentMap map) {
        ChunkReader.Location[] out = tryLocate(map);
        for (ChunkReader.Location l : out) {
            if (l.packId() == null) {
                refreshIndex();
                return tryLocate(map);
            }
        }
        return out;
    }

    private ChunkReader.Location[] tryLocate(ExtentMap map) {
        ChunkIndex idx = index;
        ChunkReader.Location[] out = new ChunkReader.Location[map.chunkCount()];
        synchronized (idx) {
            for (int ref = 0; ref < out.length; ref++) {
                byte[] id = map.chunkId(ref);
                int slot = idx.find(id);
                out[ref] = slot < 0 || idx.packId(idx.pack(slot)) == null
                        ? new ChunkReader.Location(ref, id, null, 0, 0, 0)
                        : new ChunkReader.Location(ref, id, idx.packId(idx.pack(slot)), idx.offset(slot),
                        idx.blobLength(slot), idx.plainLength(slot));
            }
        }
        return out;
    }
}
