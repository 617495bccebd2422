package io.galleonfs.engine.lsm;

import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.NoSuchSnapshotException;
import io.galleonfs.engine.OutOfRangeException;
import io.galleonfs.engine.SnapshotInfo;
import io.galleonfs.engine.VerifyReport;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.VolumeUsage;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import io.galleonfs.engine.VolumeCipher;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.roaringbitmap.RoaringBitmap;

/**
 * A {@link Volume} on the {@link LogStore} (issue 18, phase 2). Whole blocks go to the store as they are; the edge
 * blocks of an unaligned write or trim are read, modified and written under the block's stripe lock, and whole-block
 * writes take the same locks, so concurrent writers of one block compose and none is lost. Snapshots, restore and
 * clones are the store's index versions: O(1) or O(changed blocks), no data copied. An encrypted volume's blocks are
 * sealed with {@link VolumeCipher} on the log writer thread (the nonce comes from the log, see {@link BlockSealer}) and
 * opened on the reader's thread after the ciphertext passed its CRC32C.
 *
 * <p>Locks: a structure lock per volume, shared by writes and trims, exclusive for snapshot, restore, expand and the
 * clone of the live view (so those see no half-done read-modify-write); then stripe locks in ascending stripe order.
 * Reads take no lock: every block read is one index lookup and one CRC-checked pread.
 */
final class LogVolume implements Volume {
    /** Blocks per store call of a large write: bounds the stripe locks held and the records queued at once. */
    private static final int PIECE_BLOCKS = 256;

    private final LogEngine engine;
    private final LogStore store;
    private final UUID id;
    private final int blockSize;
    private final ReentrantReadWriteLock structure = new ReentrantReadWriteLock();
    private final BlockStripes stripes;
    /** Null for a plain volume. */
    private final VolumeCipher cipher;
    private final BlockSealer sealer;
    private volatile VolumeDescriptorFile descriptor;
    private volatile boolean retired;
    private final java.util.concurrent.atomic.LongAdder cacheHits = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder cacheMisses = new java.util.concurrent.atomic.LongAdder();

    LogVolume(LogEngine engine, LogStore store, VolumeDescriptorFile descriptor, VolumeCipher cipher) {
        this.engine = engine;
        this.store = store;
        this.id = descriptor.id();
        this.blockSize = store.blockSize();
        this.descriptor = descriptor;
        this.cipher = cipher;
        this.sealer = cipher == null ? null : this::seal;
        this.stripes = engine.blockStripes();
    }

    @Override
    public UUID id() {
        return id;
    }

    @Override
    public long sizeBytes() {
        return descriptor.sizeBytes();
    }

    VolumeDescriptorFile descriptor() {
        return descriptor;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public boolean encrypted() {
        return cipher != null;
    }

    /**
     * AES-256-GCM of one block with {@link VolumeCipher} (AAD: the AAD volume id + block): on the writer thread, which
     * knows the nonce. Payload: nonce (u64 LE), tag, ciphertext.
     */
    private ByteBuffer seal(long block, long nonce, ByteBuffer plain) {
        byte[] tag = new byte[VolumeCipher.TAG_BYTES];
        ByteBuffer ciphertext = cipher.encrypt(block, nonce, plain, tag);
        ByteBuffer out = ByteBuffer.allocate(LogFormat.SEALED_PREFIX + blockSize).order(ByteOrder.LITTLE_ENDIAN);
        return out.putLong(nonce).put(tag).put(ciphertext).flip();
    }

    void retire() {
        retired = true;
    }

    /** The id of the master key wrapping this volume's data key; null for a plain volume. */
    String masterKeyId() {
        return descriptor.keyId();
    }

    /**
     * Rewraps the data key with the provider's current master key when the descriptor names another, checking that the
     * new wrapping unwraps to the same key before the descriptor is replaced (atomically). The cipher does not change.
     * Exclusive with expand (the other descriptor writer). Returns whether the descriptor changed.
     */
    boolean rewrapKey(io.galleonfs.engine.KeyProvider keys) throws IOException {
        structure.writeLock().lock();
        try {
            VolumeDescriptorFile d = descriptor;
            if (!d.encrypted() || keys.id().equals(d.keyId())) {
                return false;
            }
            byte[] dataKey = null;
            byte[] check = null;
            try {
                dataKey = keys.unwrap(d.keyId(), d.wrappedKey());
                io.galleonfs.engine.KeyProvider.WrappedKey w = keys.wrapCurrent(dataKey);
                check = keys.unwrap(w.keyId(), w.bytes());
                if (!java.security.MessageDigest.isEqual(dataKey, check)) {
                    throw new EngineException("volume " + id + ": the new wrapping of the data key does not unwrap to it");
                }
                VolumeDescriptorFile rewrapped = d.withKey(w.keyId(), w.bytes());
                engine.writeDescriptor(rewrapped);
                descriptor = rewrapped;
                return true;
            } catch (java.security.GeneralSecurityException e) {
                throw new EngineException("cannot rewrap the data key of volume " + id + " (wrapped by " + d.keyId() + "): "
                        + e.getMessage(), e);
            } finally {
                if (dataKey != null) {
                    java.util.Arrays.fill(dataKey, (byte) 0);
                }
                if (check != null) {
                    java.util.Arrays.fill(check, (byte) 0);
                }
            }
        } finally {
            structure.writeLock().unlock();
        }
    }

    private void ensureLive() throws EngineException {
        if (retired) {
            throw new EngineException("volume " + id + " was deleted or its engine closed");
        }
    }

    private void checkRange(long offset, long length) throws OutOfRangeException {
        long size = descriptor.sizeBytes();
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new OutOfRangeException("range [" + offset + ", " + (offset + length) + ") is outside volume " + id
                    + " of " + size + " bytes");
        }
    }

    // ------------------------------------------------------------------------------------------ data

    @Override
    public void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        int length = src.remaining();
        checkRange(offset, length);
        ensureLive();
        if (length == 0) {
            return;
        }
        engine.admit(length);
        structure.readLock().lock();
        try {
            long pos = offset;
            while (src.hasRemaining()) {
                long block = pos / blockSize;
                int inBlock = (int) (pos % blockSize);
                if (inBlock != 0 || src.remaining() < blockSize) {
                    int n = Math.min(blockSize - inBlock, src.remaining());
                    ByteBuffer part = src.slice(src.position(), n);
                    modifyBlock(block, inBlock, part, concern);
                    src.position(src.position() + n);
                    pos += n;
                    continue;
                }
                int blocks = Math.min(PIECE_BLOCKS, src.remaining() / blockSize);
                ByteBuffer piece = src.slice(src.position(), blocks * blockSize);
                writeWhole(block, blocks, piece, concern);
                src.position(src.position() + blocks * blockSize);
                pos += (long) blocks * blockSize;
            }
        } finally {
            structure.readLock().unlock();
        }
    }

    /** Most blocks {@link #writeAll} appends together; a larger batch goes write by write. */
    static final int MAX_BATCH_BLOCKS = 256;

    /**
     * Writes made of whole blocks go to the store as one batch of records ({@link LogStore#writeScattered}: one
     * reservation, one write system call, one wait) under the stripe locks of all their blocks; any other batch goes
     * write by write.
     */
    @Override
    public void writeAll(List<Write> writes, WriteConcern concern) throws IOException {
        int blocks = 0;
        for (Write w : writes) {
            int length = w.data().remaining();
            checkRange(w.offset(), length);
            if (w.offset() % blockSize != 0 || length % blockSize != 0 || length == 0) {
                blocks = -1;
                break;
            }
            blocks += length / blockSize;
            if (blocks > MAX_BATCH_BLOCKS) {
                blocks = -1;
                break;
            }
        }
        if (blocks <= 0 || writes.size() == 1) {
            Volume.super.writeAll(writes, concern);
            return;
        }
        ensureLive();
        engine.admit((long) blocks * blockSize);
        long[] numbers = new long[blocks];
        ByteBuffer[] data = new ByteBuffer[blocks];
        int n = 0;
        for (Write w : writes) {
            ByteBuffer src = w.data();
            for (int at = 0; at < src.remaining(); at += blockSize) {
                numbers[n] = (w.offset() + at) / blockSize;
                data[n++] = src.slice(src.position() + at, blockSize);
            }
        }
        structure.readLock().lock();
        try {
            int[] locked = stripes.lockAll(id, numbers);
            try {
                store.writeScattered(id, numbers, data, concern, sealer);
            } finally {
                stripes.unlock(locked);
            }
        } finally {
            structure.readLock().unlock();
        }
    }

    /** Whole blocks under their stripe locks (so a concurrent read-modify-write of one of them cannot undo them). */
    private void writeWhole(long first, int count, ByteBuffer data, WriteConcern concern) throws IOException {
        int[] locked = stripes.lock(id, first, count);
        try {
            store.writeBlocks(id, first, data, concern, sealer);
        } finally {
            stripes.unlock(locked);
        }
    }

    /** Read-modify-write of one block: {@code part} lands at {@code inBlock}; {@code part} null = zeros. */
    private void modifyBlock(long block, int inBlock, ByteBuffer part, WriteConcern concern) throws IOException {
        ReentrantLock lock = stripes.lockOf(id, block);
        lock.lock();
        try {
            ByteBuffer buf = ByteBuffer.allocate(blockSize);
            readBlock(null, block, buf, true);
            buf.clear().position(inBlock);
            buf.put(part);
            store.writeBlocks(id, block, buf.clear(), concern, sealer);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        ensureLive();
        readFrom(null, offset, dst);
    }

    @Override
    public void readSnapshot(String name, long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        ensureLive();
        if (!dst.hasRemaining() && store.snapshots(id).stream().noneMatch(s -> s.name().equals(name))) {
            throw new NoSuchSnapshotException("no snapshot '" + name + "' in volume " + id);
        }
        readFrom(name, offset, dst);
    }

    /** Every block from the store with its CRC (and GCM tag) checked, never from the cache of decrypted blocks. */
    @Override
    public void readVerified(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        ensureLive();
        readFrom(null, offset, dst, false);
    }

    @Override
    public io.galleonfs.engine.ReadCacheStats readCacheStats() {
        return new io.galleonfs.engine.ReadCacheStats(cacheHits.sum(), cacheMisses.sum());
    }

    private void readFrom(String snapshot, long offset, ByteBuffer dst) throws IOException {
        // Like the layer engine, only live reads use the cache: snapshot reads are mostly backup and export scans,
        // which would push the blocks clients re-read out of it.
        readFrom(snapshot, offset, dst, snapshot == null);
    }

    private void readFrom(String snapshot, long offset, ByteBuffer dst, boolean cached) throws IOException {
        ByteBuffer scratch = null;
        long pos = offset;
        while (dst.hasRemaining()) {
            long block = pos / blockSize;
            int inBlock = (int) (pos % blockSize);
            if (inBlock == 0 && dst.remaining() >= 2 * blockSize) {
                // whole blocks (an NBD or export read, a backup's scan): records read in runs, one pread per run
                int n = dst.remaining() / blockSize;
                if (cipher != null) {
                    readSealedRange(snapshot, block, n, dst, cached);
                } else if (snapshot == null) {
                    store.readBlocks(id, block, n, dst);
                } else {
                    store.readSnapshotBlocks(id, snapshot, block, n, dst);
                }
                pos += (long) n * blockSize;
                continue;
            }
            if (inBlock == 0 && dst.remaining() >= blockSize) {
                readBlock(snapshot, block, dst, cached); // straight into the caller's buffer
                pos += blockSize;
                continue;
            }
            if (scratch == null) {
                scratch = ByteBuffer.allocate(blockSize);
            }
            scratch.clear();
            readBlock(snapshot, block, scratch, cached);
            int n = Math.min(blockSize - inBlock, dst.remaining());
            dst.put(scratch.slice(inBlock, n));
            pos += n;
        }
    }

    /** Blocks of an encrypted volume one {@link LogStore#readSealedBlocks} call reads (~130 KiB of sealed payloads). */
    static final int SEALED_BATCH = 32;

    /**
     * {@code n} whole blocks of an encrypted volume into {@code dst}, like {@code n} calls of {@link #readBlock}: blocks
     * the cache of decrypted blocks holds (live, {@code cached}) are copied from it, the others read by runs of sealed
     * records ({@link LogStore#readSealedBlocks}: one pread per run instead of one per block), decrypted on this thread
     * and cached under the record they were read from.
     */
    private void readSealedRange(String snapshot, long first, int n, ByteBuffer dst, boolean cached)
            throws IOException {
        io.galleonfs.engine.DecryptedBlockCache cache = cached ? engine.decryptedBlocks() : null;
        int start = dst.position();
        boolean[] done = new boolean[n];
        if (cache != null) {
            for (int i = 0; i < n; i++) {
                long mapped = store.locationOf(id, first + i);
                if (mapped == BlockMap.ABSENT) {
                    continue; // read below as zeros, neither a hit nor a miss
                }
                ByteBuffer out = dst.duplicate().position(start + i * blockSize).limit(start + (i + 1) * blockSize);
                if (cache.copyInto(id, first + i, mapped, 0, out)) {
                    done[i] = true;
                    cacheHits.increment();
                } else {
                    cacheMisses.increment();
                }
            }
        }
        int sealedBytes = store.sealedBytes();
        ByteBuffer sealed = ByteBuffer.allocate(Math.min(n, SEALED_BATCH) * sealedBytes).order(ByteOrder.LITTLE_ENDIAN);
        long[] versions = new long[Math.min(n, SEALED_BATCH)];
        byte[] tag = new byte[VolumeCipher.TAG_BYTES];
        for (int i = 0; i < n; ) {
            if (done[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && !done[j] && j - i < SEALED_BATCH) {
                j++;
            }
            sealed.clear();
            store.readSealedBlocks(id, snapshot, first + i, j - i, sealed, versions);
            for (int k = i; k < j; k++) {
                int at = (k - i) * sealedBytes;
                int to = start + k * blockSize;
                long nonce = sealed.getLong(at);
                if (nonce == 0) { // never written or trimmed: zeros (a real nonce has a non-zero epoch)
                    for (int b = 0; b < blockSize; b++) {
                        dst.put(to + b, (byte) 0);
                    }
                    continue;
                }
                sealed.get(at + 8, tag);
                ByteBuffer out = dst.duplicate().position(to).limit(to + blockSize);
                cipher.decrypt(first + k, nonce, sealed.slice(at + LogFormat.SEALED_PREFIX, blockSize), tag, out);
                long version = versions[k - i];
                if (cache != null && version != BlockMap.ABSENT) {
                    // Keyed by the record actually read: a rewrite after the lookup cannot be cached under it.
                    cache.put(id, first + k, version, dst.duplicate().position(to).limit(to + blockSize).slice());
                }
            }
            i = j;
        }
        dst.position(start + n * blockSize);
    }

    private void readBlock(String snapshot, long block, ByteBuffer dst, boolean cached) throws IOException {
        if (cipher != null) {
            io.galleonfs.engine.DecryptedBlockCache cache = cached ? engine.decryptedBlocks() : null;
            long mapped = cache == null ? BlockMap.ABSENT : store.locationOf(id, block);
            // A block never written (or trimmed) reads as zeros without decrypting: neither a hit nor a miss.
            if (mapped != BlockMap.ABSENT) {
                if (cache.copyInto(id, block, mapped, 0, dst.duplicate().limit(dst.position() + blockSize))) {
                    dst.position(dst.position() + blockSize);
                    cacheHits.increment();
                    return;
                }
                cacheMisses.increment();
            }
            ByteBuffer sealed = ByteBuffer.allocate(store.sealedBytes()).order(ByteOrder.LITTLE_ENDIAN);
            long version = store.readSealedVersion(id, snapshot, block, sealed);
            long nonce = sealed.getLong(0);
            if (nonce == 0) { // never written or trimmed: zeros (a real nonce has a non-zero epoch)
                for (int i = 0; i < blockSize; i++) {
                    dst.put((byte) 0);
                }
                return;
            }
            byte[] tag = new byte[VolumeCipher.TAG_BYTES];
            sealed.get(8, tag);
            int start = dst.position();
            cipher.decrypt(block, nonce, sealed.slice(LogFormat.SEALED_PREFIX, blockSize), tag, dst);
            if (cache != null && version != BlockMap.ABSENT) {
                // Keyed by the record actually read: a rewrite after the lookup above cannot be cached under it.
                cache.put(id, block, version, dst.duplicate().position(start).limit(start + blockSize).slice());
            }
            return;
        }
        if (snapshot == null) {
            store.read(id, block, dst);
        } else {
            store.readSnapshot(id, snapshot, block, dst);
        }
    }

    @Override
    public void flush() throws IOException {
        ensureLive();
        store.sync();
    }

    /**
     * Whole blocks inside the range are unmapped (their records become garbage for the cleaner unless a snapshot or
     * clone still maps them); the partial edge blocks are zero-filled by read-modify-write. Exclusive with writes of
     * this volume, so no read-modify-write in flight brings a trimmed block back. Durable when it returns.
     */
    @Override
    public void trim(long offset, long length) throws IOException {
        checkRange(offset, length);
        ensureLive();
        if (length == 0) {
            return;
        }
        structure.writeLock().lock();
        try {
            long end = offset + length;
            long firstWhole = (offset + blockSize - 1) / blockSize;
            long endWhole = end / blockSize;
            if (firstWhole >= endWhole) { // inside one block, or across one block boundary without a whole block
                zeroRange(offset, end);
                store.sync();
                return;
            }
            zeroRange(offset, firstWhole * blockSize);
            zeroRange(endWhole * blockSize, end);
            store.trim(id, firstWhole, endWhole - firstWhole, WriteConcern.DURABLE);
        } finally {
            structure.writeLock().unlock();
        }
    }

    private void zeroRange(long from, long to) throws IOException {
        long pos = from;
        while (pos < to) {
            long block = pos / blockSize;
            int inBlock = (int) (pos % blockSize);
            int n = (int) Math.min(blockSize - inBlock, to - pos);
            modifyBlock(block, inBlock, ByteBuffer.allocate(n), WriteConcern.ACKNOWLEDGED);
            pos += n;
        }
    }

    @Override
    public void expand(long newSizeBytes) throws IOException {
        ensureLive();
        if (newSizeBytes % blockSize != 0) {
            throw new IllegalArgumentException("new size must be a multiple of " + blockSize + ": " + newSizeBytes);
        }
        structure.writeLock().lock();
        try {
            long current = descriptor.sizeBytes();
            if (newSizeBytes < current) {
                throw new EngineException("volume " + id + " can only grow: " + newSizeBytes + " < " + current);
            }
            if (newSizeBytes == current) {
                return;
            }
            engine.checkSize(newSizeBytes);
            VolumeDescriptorFile grown = descriptor.withSize(newSizeBytes);
            engine.writeDescriptor(grown);
            descriptor = grown;
        } finally {
            structure.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------------------------------ versions

    @Override
    public SnapshotInfo createSnapshot(String name) throws IOException {
        ensureLive();
        structure.writeLock().lock();
        try {
            return info(store.createSnapshot(id, name));
        } finally {
            structure.writeLock().unlock();
        }
    }

    private SnapshotInfo info(LogSnapshot s) {
        return new SnapshotInfo(s.name(), s.createdAtMillis(), s.id(), s.blocks() * blockSize);
    }

    @Override
    public List<SnapshotInfo> snapshots() {
        List<SnapshotInfo> out = new ArrayList<>();
        for (LogSnapshot s : store.snapshots(id)) {
            out.add(info(s));
        }
        return out;
    }

    /** Merges the snapshot's map into the next older snapshot before it returns; nothing stays hidden. */
    @Override
    public void deleteSnapshot(String name) throws IOException {
        ensureLive();
        store.deleteSnapshot(id, name);
    }

    @Override
    public void restore(String snapshotName) throws IOException {
        ensureLive();
        structure.writeLock().lock();
        try {
            store.restore(id, snapshotName);
        } finally {
            structure.writeLock().unlock();
        }
    }

    /** Clones this volume's snapshot (null: its live view, quiesced) into {@code target}; returns the size to give it. */
    long cloneInto(String snapshotOrNull, UUID target) throws IOException {
        ensureLive();
        structure.writeLock().lock();
        try {
            store.cloneVolume(id, snapshotOrNull, target);
            return descriptor.sizeBytes();
        } finally {
            structure.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------------------------------ inspection

    /** Reads every record the live view and the snapshots reference and checks its CRC32C. */
    @Override
    public VerifyReport verify() throws IOException {
        ensureLive();
        return store.verify(id);
    }

    /** {@code totalStoredBytes}: distinct records the live view and the snapshots reference. */
    @Override
    public VolumeUsage usage() {
        return new VolumeUsage(descriptor.sizeBytes(), (long) store.allocatedBlocks(id).getCardinality() * blockSize,
                store.storedBlocks(id) * blockSize, store.snapshots(id).size());
    }

    @Override
    public RoaringBitmap allocatedBlocks() throws IOException {
        ensureLive();
        return store.allocatedBlocks(id);
    }

    @Override
    public RoaringBitmap changedBlocks(String fromSnapshotOrNull, String toSnapshot) throws IOException {
        ensureLive();
        java.util.Objects.requireNonNull(toSnapshot, "toSnapshot");
        return store.changedBlocks(id, fromSnapshotOrNull, toSnapshot);
    }

    @Override
    public String toString() {
        return "LogVolume[" + id + ", " + descriptor.sizeBytes() + " bytes" + (cipher != null ? ", encrypted" : "") + "]";
    }
}
