package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jboss.logging.Logger;
import org.roaringbitmap.RoaringBitmap;

/**
 * A volume: lifecycle, read path and write path. Snapshots live in {@link SnapshotManager}, journal
 * application in {@link LayerApplier}, scrub and accounting in {@link VolumeInspector}.
 *
 * <p>Locking: I/O takes the volume's structure lock shared, then one block stripe lock at a time.
 * Structural changes (snapshot, restore, trim, expand, merge completion, close) take it exclusively and
 * first wait until every journal record of the volume is applied, so they see a quiet volume.</p>
 */
final class VolumeImpl implements Volume {
    private static final Logger LOG = Logger.getLogger(VolumeImpl.class);
    /** Block indexes are stored as 32-bit values in bitmaps and journal trims. */
    static final long MAX_BLOCKS = Integer.MAX_VALUE;
    private static final int MAX_WRITE_PIECE = 4 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Sealed(ByteBuffer stored, int crc, byte[] tag) {
    }

    final EngineCore core;
    private final UUID id;
    final Path dir;
    final int blockSize;
    private final VolumeCipher cipher;
    private final java.util.concurrent.atomic.LongAdder cacheHits = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder cacheMisses = new java.util.concurrent.atomic.LongAdder();
    private final long lockSalt;
    final ReentrantReadWriteLock structure = new ReentrantReadWriteLock();
    final LayerTree tree = new LayerTree();
    final VolumeMetadata metadata;
    final LayerApplier applier;
    final SnapshotManager snapshotManager;
    final VolumeInspector inspector;
    private volatile long lastTicket;
    private volatile boolean closed;

    private VolumeImpl(EngineCore core, Path dir, VolumeDescriptor d, VolumeCipher cipher) {
        this.core = core;
        this.id = d.id();
        this.dir = dir;
        this.blockSize = d.blockSize();
        this.cipher = cipher;
        this.lockSalt = RANDOM.nextLong();
        this.metadata = new VolumeMetadata(dir.resolve(VolumeDescriptorCodec.FILE_NAME), d, core.counters);
        this.applier = new LayerApplier(this);
        this.snapshotManager = new SnapshotManager(this);
        this.inspector = new VolumeInspector(this);
    }

    // ------------------------------------------------------------------ lifecycle

    static VolumeImpl create(EngineCore core, Path volumesDir, UUID id, long sizeBytes, int blockSize,
                             boolean encrypted) throws IOException {
        validateSize(sizeBytes, blockSize);
        KeyProvider keys = core.config.keyProvider();
        if (encrypted && keys == null) {
            throw new EngineException("cannot create encrypted volume " + id + ": no key provider configured");
        }
        byte[] dataKey = null;
        KeyProvider.WrappedKey wrapped = null;
        if (encrypted) {
            dataKey = new byte[32];
            RANDOM.nextBytes(dataKey);
            try {
                wrapped = keys.wrapCurrent(dataKey);
            } catch (GeneralSecurityException e) {
                throw new EngineException("cannot wrap the data key of volume " + id + ": " + e.getMessage(), e);
            }
        }
        Path dir = volumesDir.resolve(id.toString());
        Files.createDirectory(dir);
        try {
            VolumeDescriptor d = new VolumeDescriptor(id, sizeBytes, blockSize, encrypted,
                    encrypted ? wrapped.keyId() : null, encrypted ? wrapped.bytes() : null, 0, 2, 1,
                    List.of(new LayerRecord(1, 0, System.currentTimeMillis(), null, false)));
            VolumeDescriptorCodec.write(dir.resolve(VolumeDescriptorCodec.FILE_NAME), d);
            AtomicFiles.fsyncDirectory(volumesDir);
            core.counters.fsyncs.add(AtomicFiles.FSYNCS_PER_WRITE + 1);
            VolumeImpl v = new VolumeImpl(core, dir, d, encrypted ? new VolumeCipher(dataKey, id) : null);
            v.loadLayers();
            v.tree.rebuildLiveView();
            return v;
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        } finally {
            if (dataKey != null) {
                Arrays.fill(dataKey, (byte) 0);
            }
        }
    }

    /** Loads a volume from its directory; {@link #finishOpen()} must follow journal replay. */
    static VolumeImpl load(EngineCore core, Path dir) throws IOException {
        VolumeDescriptor d = VolumeDescriptorCodec.read(dir.resolve(VolumeDescriptorCodec.FILE_NAME));
        if (!d.id().toString().equals(dir.getFileName().toString())) {
            throw new EngineException("volume directory " + dir + " holds the descriptor of volume " + d.id());
        }
        VolumeCipher cipher = null;
        if (d.encrypted()) {
            KeyProvider keys = core.config.keyProvider();
            if (keys == null) {
                throw new EngineException("volume " + d.id() + " is encrypted but no key provider is configured");
            }
            byte[] dataKey;
            try {
                dataKey = keys.unwrap(d.keyProviderId(), d.wrappedKey());
            } catch (GeneralSecurityException e) {
                throw new EngineException("cannot unwrap the data key of volume " + d.id() + " (wrapped by "
                        + d.keyProviderId() + ", provider is " + keys.id() + ")", e);
            }
            cipher = new VolumeCipher(dataKey, d.id());
            Arrays.fill(dataKey, (byte) 0);
        }
        VolumeImpl v = new VolumeImpl(core, dir, d, cipher);
        v.removeStrayFiles();
        v.loadLayers();
        return v;
    }

    /**
     * Rewraps this volume's data key with the provider's current master key, if another key wrapped it. The new
     * wrapping is checked (unwrapped again) before the descriptor is replaced atomically; I/O goes on meanwhile, as
     * the data key itself does not change. Returns whether the descriptor changed.
     */
    boolean rewrapKey(KeyProvider keys) throws IOException {
        VolumeDescriptor d = metadata.current();
        if (!d.encrypted() || keys.id().equals(d.keyProviderId())) {
            return false;
        }
        byte[] dataKey = null;
        byte[] check = null;
        try {
            dataKey = keys.unwrap(d.keyProviderId(), d.wrappedKey());
            KeyProvider.WrappedKey w = keys.wrapCurrent(dataKey);
            check = keys.unwrap(w.keyId(), w.bytes());
            if (!java.security.MessageDigest.isEqual(dataKey, check)) {
                throw new EngineException("volume " + id + ": the new wrapping of the data key does not unwrap to it");
            }
            metadata.update(x -> x.withWrappedKey(w.keyId(), w.bytes()));
            return true;
        } catch (GeneralSecurityException e) {
            throw new EngineException("cannot rewrap the data key of volume " + id + " (wrapped by " + d.keyProviderId()
                    + "): " + e.getMessage(), e);
        } finally {
            if (dataKey != null) {
                Arrays.fill(dataKey, (byte) 0);
            }
            if (check != null) {
                Arrays.fill(check, (byte) 0);
            }
        }
    }

    /** The id of the master key that wraps this volume's data key; null when the volume is not encrypted. */
    String masterKeyId() {
        VolumeDescriptor d = metadata.current();
        return d.encrypted() ? d.keyProviderId() : null;
    }

    private void loadLayers() throws IOException {
        VolumeDescriptor d = metadata.current();
        for (LayerRecord r : d.layers()) {
            Path idx = dir.resolve(Layer.indexFileName(r.id()));
            Layer l = newLayer(r.id(), LayerIndexCodec.read(idx, r.id(), blockSize, cipher != null));
            l.name = r.name();
            l.hidden = r.hidden();
            l.createdAtMillis = r.createdAtMillis();
        }
        for (LayerRecord r : d.layers()) {
            if (r.parentId() != 0) {
                Layer parent = tree.byId(r.parentId());
                if (parent == null) {
                    throw new EngineException("volume " + id + ": layer " + r.id() + " has unknown parent " + r.parentId());
                }
                tree.byId(r.id()).parent = parent;
            }
        }
        Layer live = tree.byId(d.liveLayerId());
        if (live == null) {
            throw new EngineException("volume " + id + ": live layer " + d.liveLayerId() + " is missing");
        }
        tree.setLive(live);
    }

    /** Leftovers of interrupted atomic writes and files of layers the descriptor no longer lists. */
    private void removeStrayFiles() throws IOException {
        Set<String> keep = new HashSet<>();
        keep.add(VolumeDescriptorCodec.FILE_NAME);
        for (LayerRecord r : metadata.current().layers()) {
            keep.add(Layer.dataFileName(r.id()));
            keep.add(Layer.indexFileName(r.id()));
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                if (!keep.contains(f.getFileName().toString())) {
                    LOG.debugf("removing stray file %s", f);
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /** Called once the journal has been replayed: builds the live view. */
    void finishOpen() {
        tree.rebuildLiveView();
    }

    boolean hasHiddenLayers() {
        return tree.all().stream().anyMatch(l -> l.hidden);
    }

    /** Adds a layer to the tree; structure lock held exclusively (or the volume is still loading). */
    Layer newLayer(long layerId, LayerDelta delta) {
        Layer l = new Layer(layerId, tree.freeSlot(), this, delta, dir);
        tree.add(l);
        return l;
    }

    /** Refuses further operations; queued records are still applied by the journal thread. */
    void markClosed() {
        structure.writeLock().lock();
        try {
            closed = true;
        } finally {
            structure.writeLock().unlock();
        }
    }

    void closeFiles() throws IOException {
        for (Layer l : tree.all()) {
            l.file.close();
        }
    }

    /**
     * First half of deleting the volume: stops its I/O and removes its descriptor so the volume no longer exists
     * after a crash. It does not wait for the volume's queued records: they are dropped (a full device may keep
     * the journal from committing them, and deleting is how space comes back). The caller then deletes the files;
     * records of this incarnation left in the journal are skipped at replay because the volume is gone, and the
     * engine keeps a same-id create waiting until a checkpoint has dropped them.
     */
    void beginDelete() throws IOException {
        structure.writeLock().lock();
        try {
            closed = true;
            for (Layer l : tree.all()) {
                l.dropped = true;
            }
            // Barrier: an apply that started before the marks finishes now; every later one skips these layers.
            core.applying.lock();
            core.applying.unlock();
            metadata.locked(() -> {
                for (Layer l : tree.all()) {
                    l.file.close();
                }
            });
            Files.deleteIfExists(metadata.file());
            AtomicFiles.fsyncDirectory(dir);
            core.counters.fsyncs.increment();
        } finally {
            structure.writeLock().unlock();
        }
    }

    void deleteFiles() throws IOException {
        deleteTree(dir);
        AtomicFiles.fsyncDirectory(dir.getParent());
        core.counters.fsyncs.increment();
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    void noteTicket(long ticket) {
        lastTicket = ticket;
    }

    long lastTicket() {
        return lastTicket;
    }

    /** Waits until every record of this volume queued so far is applied to the layer files (tests, accounting). */
    void awaitApplied() throws IOException {
        core.progress.awaitApplied(lastTicket);
    }

    // ------------------------------------------------------------------ accessors

    @Override
    public UUID id() {
        return id;
    }

    @Override
    public long sizeBytes() {
        return metadata.current().sizeBytes();
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public boolean encrypted() {
        return cipher != null;
    }

    // ------------------------------------------------------------------ write path

    @Override
    public void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(concern, "concern");
        int length = src.remaining();
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        long ticket = 0;
        long pos = offset;
        while (src.hasRemaining()) {
            // Large writes are admitted piecewise so back-pressure bounds memory whatever the call size.
            int n = Math.min(src.remaining(), MAX_WRITE_PIECE - (int) (pos % blockSize));
            ByteBuffer piece = src.slice(src.position(), n);
            core.backPressure.awaitRoom();
            // A partial block still takes a whole block in the journal and in the layer file.
            core.space.admit((Math.ceilDiv(pos + n, (long) blockSize) - pos / blockSize) * blockSize);
            structure.readLock().lock();
            try {
                ensureOpen();
                ticket = writeRange(pos, piece);
            } finally {
                structure.readLock().unlock();
            }
            src.position(src.position() + n);
            pos += n;
        }
        if (concern == WriteConcern.DURABLE) {
            core.counters.durableWrites.increment();
            core.progress.awaitDurable(ticket);
        }
    }

    private long writeRange(long offset, ByteBuffer src) throws IOException {
        long ticket = 0;
        long pos = offset;
        while (src.hasRemaining()) {
            long block = pos / blockSize;
            int inBlock = (int) (pos - block * blockSize);
            int n = Math.min(blockSize - inBlock, src.remaining());
            ByteBuffer piece = src.slice(src.position(), n);
            ticket = n == blockSize ? writeFullBlock(block, piece) : writePartialBlock(block, inBlock, piece);
            src.position(src.position() + n);
            pos += n;
        }
        return ticket;
    }

    /** Encryption and checksums run before the stripe lock: only publication must be ordered per block. */
    private long writeFullBlock(long block, ByteBuffer plain) throws IOException {
        long seq = metadata.nextSeq();
        Sealed sealed = seal(block, seq, plain);
        PendingBlock p = new PendingBlock(tree.live(), block, seq, sealed.crc(), sealed.tag(), sealed.stored());
        JournalEntry.Block entry = new JournalEntry.Block(p, JournalCodec.encodeBlock(id, p));
        ReentrantLock lock = stripe(block);
        lock.lock();
        try {
            return publish(entry);
        } finally {
            lock.unlock();
        }
    }

    /** Read-modify-write under the stripe lock so concurrent partial writes of one block compose. */
    private long writePartialBlock(long block, int inBlock, ByteBuffer piece) throws IOException {
        ReentrantLock lock = stripe(block);
        lock.lock();
        try {
            ByteBuffer plain = ByteBuffer.allocate(blockSize);
            readLiveLocked(block, 0, plain.duplicate(), true);
            plain.put(inBlock, piece, piece.position(), piece.remaining());
            long seq = metadata.nextSeq();
            Sealed sealed = seal(block, seq, plain);
            PendingBlock p = new PendingBlock(tree.live(), block, seq, sealed.crc(), sealed.tag(), sealed.stored());
            return publish(new JournalEntry.Block(p, JournalCodec.encodeBlock(id, p)));
        } finally {
            lock.unlock();
        }
    }

    private Sealed seal(long block, long seq, ByteBuffer plain) {
        if (cipher != null) {
            byte[] tag = new byte[VolumeCipher.TAG_BYTES];
            ByteBuffer stored = cipher.encrypt(block, seq, plain.duplicate(), tag);
            return new Sealed(stored, Checksums.crc32c(stored), tag);
        }
        ByteBuffer stored = ByteBuffer.allocate(blockSize);
        stored.put(plain.duplicate()).flip();
        return new Sealed(stored, Checksums.crc32c(stored), null);
    }

    /**
     * Makes a block version visible (dirty map) and queues its journal record. Caller holds the block's
     * stripe lock, which keeps dirty-map order and journal order identical for the block.
     */
    long publish(JournalEntry.Block entry) throws IOException {
        PendingBlock p = entry.pending();
        Layer layer = p.layer();
        PendingBlock previous = layer.dirty.put(p.block(), p);
        core.backPressure.add(entry.dirtyBytes());
        try {
            return core.queue.enqueue(entry, this);
        } catch (EngineException e) {
            core.backPressure.release(entry.dirtyBytes());
            if (previous != null) {
                layer.dirty.replace(p.block(), p, previous);
            } else {
                layer.dirty.remove(p.block(), p);
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------ read path

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        readLive(offset, dst, true);
    }

    @Override
    public void readVerified(long offset, ByteBuffer dst) throws IOException {
        readLive(offset, dst, false);
    }

    private void readLive(long offset, ByteBuffer dst, boolean cached) throws IOException {
        Objects.requireNonNull(dst, "dst");
        int length = dst.remaining();
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        structure.readLock().lock();
        try {
            ensureOpen();
            readPieces(offset, dst, (block, inBlock, out) -> readLiveLocked(block, inBlock, out, cached));
        } finally {
            structure.readLock().unlock();
        }
    }

    @Override
    public ReadCacheStats readCacheStats() {
        return new ReadCacheStats(cacheHits.sum(), cacheMisses.sum());
    }

    /** Reads one piece of one block into {@code out}; called with the block's stripe lock held. */
    @FunctionalInterface
    private interface PieceReader {
        void read(long block, int inBlock, ByteBuffer out) throws IOException;
    }

    /** Splits {@code dst} at block boundaries and reads each piece under its block's stripe lock. */
    private void readPieces(long offset, ByteBuffer dst, PieceReader reader) throws IOException {
        long pos = offset;
        while (dst.hasRemaining()) {
            long block = pos / blockSize;
            int inBlock = (int) (pos - block * blockSize);
            int n = Math.min(blockSize - inBlock, dst.remaining());
            ByteBuffer out = dst.slice(dst.position(), n);
            ReentrantLock lock = stripe(block);
            lock.lock();
            try {
                reader.read(block, inBlock, out);
            } finally {
                lock.unlock();
            }
            dst.position(dst.position() + n);
            pos += n;
        }
    }

    /** Fills {@code out} with block bytes [inBlock, inBlock + out.remaining()) of the live view. */
    private void readLiveLocked(long block, int inBlock, ByteBuffer out, boolean cached) throws IOException {
        PendingBlock p = tree.live().dirty.get(block);
        if (p != null) {
            readPending(p, inBlock, out);
            return;
        }
        int entry = tree.resolved.get(block);
        if (entry == 0) {
            Buffers.zero(out);
            return;
        }
        Layer layer = tree.bySlot(entry);
        if (layer == null) {
            throw new IllegalStateException("volume " + id + " block " + block + " resolves to a freed layer slot");
        }
        readStored(layer, block, inBlock, out, cached);
    }

    private void readPending(PendingBlock p, int inBlock, ByteBuffer out) throws IOException {
        if (p.zero()) {
            Buffers.zero(out);
        } else if (cipher == null) {
            out.put(p.stored().slice(inBlock, out.remaining()));
        } else {
            ByteBuffer plain = Buffers.plain(blockSize);
            cipher.decrypt(p.block(), p.seq(), p.stored(), p.tag(), plain);
            out.put(plain.slice(inBlock, out.remaining()));
        }
    }

    /** Reads a block a layer holds; the stored bytes must match their CRC32C (and GCM tag) first. */
    private void readStored(Layer layer, long block, int inBlock, ByteBuffer out, boolean cached) throws IOException {
        BlockVersion v = layer.delta.version(block);
        if (v == null) {
            Buffers.zero(out);
            return;
        }
        DecryptedBlockCache cache = cached && cipher != null ? core.decrypted : null;
        if (cache != null) {
            if (cache.copyInto(id, block, v.seq(), inBlock, out)) {
                cacheHits.increment();
                return;
            }
            cacheMisses.increment();
        }
        long position = block * blockSize;
        int n = out.remaining();
        if (cipher == null && inBlock == 0 && n == blockSize) {
            ByteBuffer target = out.slice();
            layer.file.read(target, position);
            target.flip();
            if (Checksums.crc32c(target) != v.crc()) {
                Buffers.zero(out.duplicate());
                throw mismatch(layer, block);
            }
            out.position(out.limit());
            return;
        }
        ByteBuffer stored = Buffers.stored(blockSize);
        layer.file.read(stored, position);
        stored.flip();
        if (Checksums.crc32c(stored) != v.crc()) {
            throw mismatch(layer, block);
        }
        if (cipher == null) {
            out.put(stored.slice(inBlock, n));
            return;
        }
        ByteBuffer plain = Buffers.plain(blockSize);
        cipher.decrypt(block, v.seq(), stored, v.tag(), plain);
        if (cache != null) {
            cache.put(id, block, v.seq(), plain);
        }
        out.put(plain.slice(inBlock, n));
    }

    private ChecksumMismatchException mismatch(Layer layer, long block) {
        LOG.errorf("checksum mismatch in volume %s block %d (layer %d); the block is not returned", id, block, layer.id);
        return new ChecksumMismatchException(id, block);
    }

    @Override
    public void readSnapshot(String name, long offset, ByteBuffer dst) throws IOException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dst, "dst");
        int length = dst.remaining();
        checkRange(offset, length);
        structure.readLock().lock();
        try {
            ensureOpen();
            Layer snapshot = tree.requireSnapshot(name, id);
            readPieces(offset, dst, (block, inBlock, out) -> {
                Layer holder = snapshot;
                while (holder != null && holder.delta.state(block) == LayerDelta.ABSENT) {
                    holder = holder.parent;
                }
                if (holder == null) {
                    Buffers.zero(out);
                } else {
                    readStored(holder, block, inBlock, out, true);
                }
            });
        } finally {
            structure.readLock().unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        core.progress.awaitDurable(lastTicket);
    }

    // ------------------------------------------------------------------ trim and expand

    @Override
    public void trim(long offset, long length) throws IOException {
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        long end = offset + length;
        long firstWhole = Math.ceilDiv(offset, (long) blockSize);
        long endWhole = end / blockSize;
        if (firstWhole >= endWhole) {
            write(offset, ByteBuffer.allocate((int) length), WriteConcern.DURABLE);
            return;
        }
        if (offset < firstWhole * blockSize) {
            write(offset, ByteBuffer.allocate((int) (firstWhole * blockSize - offset)), WriteConcern.ACKNOWLEDGED);
        }
        if (endWhole * blockSize < end) {
            write(endWhole * blockSize, ByteBuffer.allocate((int) (end - endWhole * blockSize)), WriteConcern.ACKNOWLEDGED);
        }
        core.backPressure.awaitRoom();
        structure.writeLock().lock();
        try {
            ensureOpen();
            core.progress.awaitApplied(lastTicket);
            Layer live = tree.live();
            boolean hidesAncestors = live.parent != null;
            long ticket = 0;
            for (long seg = firstWhole; seg < endWhole; seg += JournalCodec.TRIM_SEGMENT_BLOCKS) {
                long segEnd = Math.min(endWhole, seg + JournalCodec.TRIM_SEGMENT_BLOCKS);
                RoaringBitmap zeros = new RoaringBitmap();
                if (hidesAncestors) {
                    // Blocks some layer of the chain holds must become ZERO in the live layer to hide the
                    // ancestors' data; decided here, not at apply time, so replay is deterministic.
                    tree.resolved.forEach(seg, segEnd, (block, entry) -> zeros.add((int) block));
                }
                if (zeros.isEmpty() && !live.delta.anyPresent(seg, segEnd)) {
                    continue;
                }
                zeros.runOptimize();
                JournalEntry.Trim entry = new JournalEntry.Trim(live, seg, segEnd - seg, zeros,
                        JournalCodec.encodeTrim(id, live.id, seg, segEnd - seg, zeros));
                core.backPressure.add(entry.dirtyBytes());
                try {
                    ticket = core.queue.enqueue(entry, this);
                } catch (EngineException e) {
                    core.backPressure.release(entry.dirtyBytes());
                    throw e;
                }
            }
            if (ticket > 0) {
                core.progress.awaitApplied(ticket);
            }
        } finally {
            structure.writeLock().unlock();
        }
        flush();
    }

    @Override
    public void expand(long newSizeBytes) throws IOException {
        validateSize(newSizeBytes, blockSize);
        structure.writeLock().lock();
        try {
            ensureOpen();
            long current = metadata.current().sizeBytes();
            if (newSizeBytes < current) {
                throw new EngineException("volume " + id + " can only grow: " + newSizeBytes + " < " + current);
            }
            if (newSizeBytes == current) {
                return;
            }
            metadata.update(d -> d.withSize(newSizeBytes));
        } finally {
            structure.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------ snapshots and inspection

    @Override
    public SnapshotInfo createSnapshot(String name) throws IOException {
        return snapshotManager.create(name);
    }

    @Override
    public List<SnapshotInfo> snapshots() {
        return snapshotManager.list();
    }

    @Override
    public void deleteSnapshot(String name) throws IOException {
        snapshotManager.delete(name);
    }

    @Override
    public void restore(String snapshotName) throws IOException {
        snapshotManager.restore(snapshotName);
    }

    @Override
    public VerifyReport verify() throws IOException {
        return inspector.verify();
    }

    @Override
    public VolumeUsage usage() {
        return inspector.usage();
    }

    @Override
    public org.roaringbitmap.RoaringBitmap allocatedBlocks() throws IOException {
        return inspector.candidateBlocks(null);
    }

    @Override
    public org.roaringbitmap.RoaringBitmap changedBlocks(String fromSnapshotOrNull, String toSnapshot) throws IOException {
        java.util.Objects.requireNonNull(toSnapshot, "toSnapshot");
        return fromSnapshotOrNull == null ? inspector.dataBlocks(toSnapshot)
                : inspector.changedBlocks(fromSnapshotOrNull, toSnapshot);
    }

    /** Heap held by this volume's block metadata; see {@link VolumeInspector#estimatedHeapBytes()}. */
    long estimatedHeapBytes() {
        return inspector.estimatedHeapBytes();
    }

    boolean isClosed() {
        return closed;
    }

    VolumeCipher cipher() {
        return cipher;
    }

    // ------------------------------------------------------------------ helpers

    ReentrantLock stripe(long block) {
        return core.locks.lock(lockSalt, block);
    }

    void ensureOpen() throws EngineException {
        if (closed) {
            throw new EngineException("volume " + id + " is closed");
        }
    }

    private void checkRange(long offset, long length) throws OutOfRangeException {
        long size = metadata.current().sizeBytes();
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new OutOfRangeException("range [" + offset + ", " + (offset + length) + ") is outside volume "
                    + id + " of " + size + " bytes");
        }
    }

    static void validateSize(long sizeBytes, int blockSize) {
        if (sizeBytes <= 0 || sizeBytes % blockSize != 0) {
            throw new IllegalArgumentException("volume size must be a positive multiple of the block size "
                    + blockSize + ": " + sizeBytes);
        }
        if (sizeBytes / blockSize > MAX_BLOCKS) {
            throw new IllegalArgumentException("volume size " + sizeBytes + " exceeds " + MAX_BLOCKS + " blocks of "
                    + blockSize + " bytes");
        }
    }

    @Override
    public String toString() {
        return "volume " + id;
    }
}
