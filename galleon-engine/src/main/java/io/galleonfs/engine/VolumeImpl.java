package io.galleonfs.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jboss.logging.Logger;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * A volume: its descriptor, its layer tree and the read/write paths.
 *
 * <p>Locking: I/O takes the volume's structure lock shared, then one block stripe lock at a time.
 * Structural changes (snapshot, restore, trim, expand, merge completion, close) take it exclusively and
 * first wait until every journal record of the volume is applied, so they see a quiet volume.
 * {@code metaLock} serializes descriptor writes and layer-index checkpoints with layer removal.</p>
 */
final class VolumeImpl implements Volume {
    private static final Logger LOG = Logger.getLogger(VolumeImpl.class);
    /** Sequence numbers are reserved in volume.meta this many at a time, before any of them is used. */
    static final long SEQ_RESERVATION = 1L << 20;
    /** Block indexes are stored as 32-bit values in bitmaps and journal trims. */
    static final long MAX_BLOCKS = Integer.MAX_VALUE;
    private static final int MAX_NAME_BYTES = 255;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Sealed(ByteBuffer stored, int crc, byte[] tag) {
    }

    final EngineCore core;
    private final UUID id;
    final Path dir;
    private final Path metaPath;
    final int blockSize;
    private final VolumeCipher cipher;
    private final long lockSalt;
    final ReentrantReadWriteLock structure = new ReentrantReadWriteLock();
    private final ReentrantLock metaLock = new ReentrantLock();
    final LayerTree tree = new LayerTree();
    private final AtomicLong seqCounter;
    private volatile VolumeDescriptor descriptor;
    private volatile long seqReserved;
    private volatile long lastTicket;
    private volatile boolean closed;

    private VolumeImpl(EngineCore core, Path dir, VolumeDescriptor d, VolumeCipher cipher) {
        this.core = core;
        this.id = d.id();
        this.dir = dir;
        this.metaPath = dir.resolve(VolumeDescriptorCodec.FILE_NAME);
        this.blockSize = d.blockSize();
        this.cipher = cipher;
        this.lockSalt = RANDOM.nextLong();
        this.descriptor = d;
        this.seqReserved = d.seqReserved();
        this.seqCounter = new AtomicLong(d.seqReserved());
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
        byte[] wrapped = null;
        if (encrypted) {
            dataKey = new byte[32];
            RANDOM.nextBytes(dataKey);
            try {
                wrapped = keys.wrap(dataKey);
            } catch (GeneralSecurityException e) {
                throw new EngineException("cannot wrap the data key of volume " + id + ": " + e.getMessage(), e);
            }
        }
        Path dir = volumesDir.resolve(id.toString());
        Files.createDirectory(dir);
        try {
            VolumeDescriptor d = new VolumeDescriptor(id, sizeBytes, blockSize, encrypted,
                    encrypted ? keys.id() : null, wrapped, 0, 2, 1,
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
                dataKey = keys.unwrap(d.wrappedKey());
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

    private void loadLayers() throws IOException {
        VolumeDescriptor d = descriptor;
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
        for (LayerRecord r : descriptor.layers()) {
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

    private Layer newLayer(long layerId, LayerDelta delta) {
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
     * First half of deleting the volume: waits for its records, then removes its descriptor so the volume
     * no longer exists after a crash. The caller checkpoints (purging its journal records) and then calls
     * {@link #deleteFiles()}.
     */
    void beginDelete() throws IOException {
        structure.writeLock().lock();
        try {
            closed = true;
            core.progress.awaitApplied(lastTicket);
            metaLock.lock();
            try {
                for (Layer l : tree.all()) {
                    l.dropped = true;
                    l.file.close();
                }
            } finally {
                metaLock.unlock();
            }
            Files.deleteIfExists(metaPath);
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
        return descriptor.sizeBytes();
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
        core.backPressure.awaitRoom();
        long ticket;
        structure.readLock().lock();
        try {
            ensureOpen();
            ticket = writeRange(offset, src);
        } finally {
            structure.readLock().unlock();
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
        long seq = nextSeq();
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
            readLiveLocked(block, 0, plain.duplicate());
            plain.put(inBlock, piece, piece.position(), piece.remaining());
            long seq = nextSeq();
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

    private long nextSeq() throws IOException {
        long seq = seqCounter.incrementAndGet();
        if (seq > seqReserved) {
            reserveSeq(seq);
        }
        return seq;
    }

    private void reserveSeq(long seq) throws IOException {
        metaLock.lock();
        try {
            if (seq <= seqReserved) {
                return;
            }
            long reserved = Math.max(seq, seqReserved) + SEQ_RESERVATION;
            persist(descriptor.withSeqReserved(reserved));
            seqReserved = reserved;
        } finally {
            metaLock.unlock();
        }
    }

    // ------------------------------------------------------------------ read path

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst, "dst");
        int length = dst.remaining();
        checkRange(offset, length);
        if (length == 0) {
            return;
        }
        structure.readLock().lock();
        try {
            ensureOpen();
            long pos = offset;
            while (dst.hasRemaining()) {
                long block = pos / blockSize;
                int inBlock = (int) (pos - block * blockSize);
                int n = Math.min(blockSize - inBlock, dst.remaining());
                ByteBuffer out = dst.slice(dst.position(), n);
                ReentrantLock lock = stripe(block);
                lock.lock();
                try {
                    readLiveLocked(block, inBlock, out);
                } finally {
                    lock.unlock();
                }
                dst.position(dst.position() + n);
                pos += n;
            }
        } finally {
            structure.readLock().unlock();
        }
    }

    /** Fills {@code out} with block bytes [inBlock, inBlock + out.remaining()) of the live view. */
    private void readLiveLocked(long block, int inBlock, ByteBuffer out) throws IOException {
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
        readStored(layer, block, inBlock, out);
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
    private void readStored(Layer layer, long block, int inBlock, ByteBuffer out) throws IOException {
        BlockVersion v = layer.delta.version(block);
        if (v == null) {
            Buffers.zero(out);
            return;
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
            Layer snapshot = requireSnapshot(name);
            long pos = offset;
            while (dst.hasRemaining()) {
                long block = pos / blockSize;
                int inBlock = (int) (pos - block * blockSize);
                int n = Math.min(blockSize - inBlock, dst.remaining());
                ByteBuffer out = dst.slice(dst.position(), n);
                ReentrantLock lock = stripe(block);
                lock.lock();
                try {
                    Layer holder = snapshot;
                    while (holder != null && holder.delta.state(block) == LayerDelta.ABSENT) {
                        holder = holder.parent;
                    }
                    if (holder == null) {
                        Buffers.zero(out);
                    } else {
                        readStored(holder, block, inBlock, out);
                    }
                } finally {
                    lock.unlock();
                }
                dst.position(dst.position() + n);
                pos += n;
            }
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
            long current = descriptor.sizeBytes();
            if (newSizeBytes < current) {
                throw new EngineException("volume " + id + " can only grow: " + newSizeBytes + " < " + current);
            }
            if (newSizeBytes == current) {
                return;
            }
            metaLock.lock();
            try {
                persist(descriptor.withSize(newSizeBytes));
            } finally {
                metaLock.unlock();
            }
        } finally {
            structure.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------ snapshots

    @Override
    public SnapshotInfo createSnapshot(String name) throws IOException {
        validateName(name);
        structure.writeLock().lock();
        try {
            ensureOpen();
            if (tree.visibleSnapshot(name) != null) {
                throw new SnapshotExistsException("snapshot '" + name + "' already exists in volume " + id);
            }
            core.progress.awaitApplied(lastTicket);
            Layer frozen = tree.live();
            long now = System.currentTimeMillis();
            long newId;
            metaLock.lock();
            try {
                VolumeDescriptor d = descriptor;
                newId = d.nextLayerId();
                List<LayerRecord> records = new ArrayList<>();
                for (LayerRecord r : d.layers()) {
                    records.add(r.id() == frozen.id ? new LayerRecord(r.id(), r.parentId(), now, name, false) : r);
                }
                records.add(new LayerRecord(newId, frozen.id, now, null, false));
                persist(d.withLayers(newId + 1, newId, records));
            } finally {
                metaLock.unlock();
            }
            frozen.name = name;
            frozen.createdAtMillis = now;
            Layer next = newLayer(newId, new LayerDelta(cipher != null));
            next.parent = frozen;
            next.createdAtMillis = now;
            next.chainDepth = frozen.chainDepth + 1;
            tree.setLive(next);
            LOG.debugf("volume %s: snapshot '%s' froze layer %d, live layer is now %d", id, name, frozen.id, newId);
            return info(frozen);
        } finally {
            structure.writeLock().unlock();
        }
    }

    @Override
    public List<SnapshotInfo> snapshots() {
        structure.readLock().lock();
        try {
            return tree.all().stream()
                    .filter(l -> l.name != null && !l.hidden)
                    .sorted(Comparator.comparingLong((Layer l) -> l.createdAtMillis).thenComparingLong(l -> l.id))
                    .map(this::info)
                    .toList();
        } finally {
            structure.readLock().unlock();
        }
    }

    private SnapshotInfo info(Layer l) {
        return new SnapshotInfo(l.name, l.createdAtMillis, l.id, l.delta.dataBlocks() * blockSize);
    }

    @Override
    public void deleteSnapshot(String name) throws IOException {
        Objects.requireNonNull(name, "name");
        structure.writeLock().lock();
        try {
            ensureOpen();
            Layer layer = requireSnapshot(name);
            metaLock.lock();
            try {
                persist(descriptor.mapLayer(layer.id,
                        r -> new LayerRecord(r.id(), r.parentId(), r.createdAtMillis(), null, true)));
            } finally {
                metaLock.unlock();
            }
            layer.name = null;
            layer.hidden = true;
        } finally {
            structure.writeLock().unlock();
        }
        awaitReclaim(core.maintenance.reclaim(this));
    }

    @Override
    public void restore(String snapshotName) throws IOException {
        Objects.requireNonNull(snapshotName, "snapshotName");
        structure.writeLock().lock();
        try {
            ensureOpen();
            Layer snapshot = requireSnapshot(snapshotName);
            core.progress.awaitApplied(lastTicket);
            Layer old = tree.live();
            long now = System.currentTimeMillis();
            long newId;
            metaLock.lock();
            try {
                VolumeDescriptor d = descriptor;
                newId = d.nextLayerId();
                List<LayerRecord> records = new ArrayList<>();
                for (LayerRecord r : d.layers()) {
                    if (r.id() != old.id) {
                        records.add(r);
                    }
                }
                records.add(new LayerRecord(newId, snapshot.id, now, null, false));
                persist(d.withLayers(newId + 1, newId, records));
            } finally {
                metaLock.unlock();
            }
            Layer next = newLayer(newId, new LayerDelta(cipher != null));
            next.parent = snapshot;
            next.createdAtMillis = now;
            tree.setLive(next);
            dropLayer(old);
            tree.rebuildLiveView();
            LOG.debugf("volume %s restored to snapshot '%s' (layer %d)", id, snapshotName, snapshot.id);
        } finally {
            structure.writeLock().unlock();
        }
        // Dropping the old live layer may leave a hidden ancestor with a single child: merge it in the background.
        core.maintenance.reclaim(this);
    }

    private Layer requireSnapshot(String name) throws NoSuchSnapshotException {
        Layer l = tree.visibleSnapshot(name);
        if (l == null) {
            throw new NoSuchSnapshotException("volume " + id + " has no snapshot '" + name + "'");
        }
        return l;
    }

    private static void awaitReclaim(Future<?> reclaim) throws IOException {
        try {
            reclaim.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while merging a deleted snapshot");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new EngineException("merging a deleted snapshot failed: " + e.getCause(), e.getCause());
        }
    }

    /** Merges or drops hidden layers with at most one child until none is left. Maintenance thread only. */
    void reclaimHiddenLayers() throws IOException {
        while (!closed && !core.maintenance.stopping()) {
            Layer candidate = null;
            Layer child = null;
            structure.readLock().lock();
            try {
                for (Layer l : tree.all()) {
                    if (l.hidden && !l.dropped) {
                        List<Layer> children = tree.children(l);
                        if (children.size() <= 1) {
                            candidate = l;
                            child = children.isEmpty() ? null : children.getFirst();
                            break;
                        }
                    }
                }
            } finally {
                structure.readLock().unlock();
            }
            if (candidate == null) {
                return;
            }
            if (child == null) {
                dropChildlessHidden(candidate);
            } else {
                new LayerMerger(this, candidate, child).run();
            }
        }
    }

    private void dropChildlessHidden(Layer layer) throws IOException {
        structure.writeLock().lock();
        try {
            if (closed || layer.dropped || !layer.hidden || !tree.children(layer).isEmpty()) {
                return;
            }
            metaLock.lock();
            try {
                persist(descriptor.mapLayer(layer.id, r -> null));
            } finally {
                metaLock.unlock();
            }
            dropLayer(layer);
            LOG.debugf("volume %s: dropped deleted snapshot layer %d (nothing depends on it)", id, layer.id);
        } finally {
            structure.writeLock().unlock();
        }
    }

    /**
     * Last step of a merge: the child takes over the merged layer's parent and the merged layer goes.
     * Returns false when the tree changed meanwhile (the caller re-evaluates).
     */
    boolean finishMerge(Layer merged, Layer child) throws IOException {
        structure.writeLock().lock();
        try {
            if (closed || merged.dropped || child.dropped || child.parent != merged || !merged.hidden
                    || tree.children(merged).size() != 1) {
                return false;
            }
            core.progress.awaitApplied(lastTicket);
            long newParent = merged.parent == null ? 0 : merged.parent.id;
            metaLock.lock();
            try {
                persist(descriptor.mapLayer(child.id, r -> r.withParent(newParent)).mapLayer(merged.id, r -> null));
            } finally {
                metaLock.unlock();
            }
            child.parent = merged.parent;
            dropLayer(merged);
            tree.rebuildLiveView();
            LOG.debugf("volume %s: merged deleted snapshot layer %d into layer %d", id, merged.id, child.id);
            return true;
        } finally {
            structure.writeLock().unlock();
        }
    }

    /** Removes a layer the persisted descriptor no longer lists. Structure lock held exclusively. */
    private void dropLayer(Layer layer) throws IOException {
        metaLock.lock();
        try {
            layer.dropped = true;
            layer.file.delete();
            Files.deleteIfExists(layer.indexPath);
        } finally {
            metaLock.unlock();
        }
        tree.remove(layer);
    }

    /** Descriptor writes; metaLock held. */
    private void persist(VolumeDescriptor d) throws IOException {
        VolumeDescriptorCodec.write(metaPath, d);
        core.counters.fsyncs.add(AtomicFiles.FSYNCS_PER_WRITE);
        descriptor = d;
    }

    boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------ journal callbacks

    /** Applies a committed block record to its layer (journal thread, or recovery before start). */
    void applyBlock(PendingBlock p) throws IOException {
        Layer layer = p.layer();
        ReentrantLock lock = stripe(p.block());
        lock.lock();
        try {
            if (layer.dropped) {
                return;
            }
            if (p.zero()) {
                layer.delta.setZero(p.block());
            } else {
                layer.file.write(p.stored().duplicate(), p.block() * blockSize);
                layer.delta.setData(p.block(), p.crc(), p.seq(), p.tag());
            }
            noteInLiveView(layer, p.block());
            layer.dirty.remove(p.block(), p);
        } finally {
            lock.unlock();
        }
    }

    /** Keeps the resolved map pointing at the newest layer of the live chain holding the block. */
    private void noteInLiveView(Layer layer, long block) {
        int depth = layer.chainDepth;
        if (depth < 0) {
            return;
        }
        if (layer == tree.live()) {
            tree.resolved.set(block, layer.slot + 1);
            return;
        }
        Layer current = tree.bySlot(tree.resolved.get(block));
        if (current == null || current.chainDepth < depth) {
            tree.resolved.set(block, layer.slot + 1);
        }
    }

    /** Applies a committed trim record (journal thread, or recovery). */
    void applyTrim(Layer layer, long firstBlock, long count, RoaringBitmap zeroBlocks) throws IOException {
        if (layer.dropped) {
            return;
        }
        long end = firstBlock + count;
        boolean liveView = layer.chainDepth >= 0 && layer == tree.live();
        RoaringBitmap present = new RoaringBitmap();
        layer.delta.forEachPresent(firstBlock, end, (block, state) -> present.add((int) block));
        PeekableIntIterator it = present.getIntIterator();
        while (it.hasNext()) {
            long block = Integer.toUnsignedLong(it.next());
            ReentrantLock lock = stripe(block);
            lock.lock();
            try {
                layer.delta.clear(block);
                if (liveView && tree.resolved.get(block) == layer.slot + 1) {
                    tree.resolved.set(block, 0);
                }
            } finally {
                lock.unlock();
            }
        }
        PeekableIntIterator zi = zeroBlocks.getIntIterator();
        while (zi.hasNext()) {
            long block = Integer.toUnsignedLong(zi.next());
            ReentrantLock lock = stripe(block);
            lock.lock();
            try {
                layer.delta.setZero(block);
                if (liveView) {
                    tree.resolved.set(block, layer.slot + 1);
                }
            } finally {
                lock.unlock();
            }
        }
        NativeIo.punchHole(layer.file.path(), firstBlock * blockSize, count * blockSize);
    }

    /** Replays one journal record during recovery. */
    void replay(Layer layer, JournalCodec.Decoded r) throws IOException {
        switch (r.type()) {
            case JournalCodec.WRITE -> {
                if (r.payload().remaining() != blockSize) {
                    throw new EngineException("journal record for volume " + id + " has " + r.payload().remaining()
                            + " payload bytes, block size is " + blockSize);
                }
                applyBlock(new PendingBlock(layer, r.block(), r.seq(), r.payloadCrc(),
                        cipher != null ? r.tag() : null, r.payload()));
                if (r.seq() > seqCounter.get()) {
                    seqCounter.set(r.seq());
                }
            }
            case JournalCodec.ZERO -> applyBlock(new PendingBlock(layer, r.block(), 0, 0, null, null));
            case JournalCodec.TRIM -> applyTrim(layer, r.block(), r.trimCount(), r.trimZeroBlocks());
            default -> throw new EngineException("unknown journal record type " + r.type() + " for volume " + id);
        }
    }

    /** Checkpoint of one layer: its data file is fsynced, then its index rewritten atomically. */
    void checkpointLayer(Layer layer) throws IOException {
        metaLock.lock();
        try {
            if (layer.dropped) {
                return;
            }
            if (layer.file.force()) {
                core.counters.fsyncs.increment();
            }
            LayerIndexCodec.write(layer.indexPath, layer.id, blockSize, layer.delta);
            core.counters.fsyncs.add(AtomicFiles.FSYNCS_PER_WRITE);
        } finally {
            metaLock.unlock();
        }
    }

    // ------------------------------------------------------------------ verification and accounting

    @Override
    public VerifyReport verify() throws IOException {
        List<Layer> layers;
        structure.readLock().lock();
        try {
            ensureOpen();
            layers = List.copyOf(tree.all());
        } finally {
            structure.readLock().unlock();
        }
        TreeSet<Long> bad = new TreeSet<>();
        long checked = 0;
        for (Layer layer : layers) {
            RoaringBitmap blocks = new RoaringBitmap();
            layer.delta.forEachPresent((block, state) -> {
                if (state == LayerDelta.DATA) {
                    blocks.add((int) block);
                }
            });
            PeekableIntIterator it = blocks.getIntIterator();
            while (it.hasNext()) {
                // Shared lock per batch, so a long verify never stalls snapshots for long.
                structure.readLock().lock();
                try {
                    ensureOpen();
                    if (layer.dropped) {
                        break;
                    }
                    for (int i = 0; i < ChunkDirectory.CHUNK_SIZE && it.hasNext(); i++) {
                        long block = Integer.toUnsignedLong(it.next());
                        if (verifyBlock(layer, block)) {
                            checked++;
                        } else if (layer.delta.state(block) == LayerDelta.DATA) {
                            checked++;
                            bad.add(block);
                        }
                    }
                } finally {
                    structure.readLock().unlock();
                }
            }
        }
        if (!bad.isEmpty()) {
            LOG.errorf("verify of volume %s found %d bad blocks: %s", id, bad.size(), bad);
        }
        return new VerifyReport(checked, new ArrayList<>(bad));
    }

    /** True if the block verifies or is no longer stored in the layer. */
    private boolean verifyBlock(Layer layer, long block) throws IOException {
        ReentrantLock lock = stripe(block);
        lock.lock();
        try {
            BlockVersion v = layer.delta.version(block);
            if (v == null) {
                return true;
            }
            ByteBuffer stored = Buffers.stored(blockSize);
            layer.file.read(stored, block * blockSize);
            stored.flip();
            if (Checksums.crc32c(stored) != v.crc()) {
                return false;
            }
            if (cipher != null) {
                try {
                    cipher.decrypt(block, v.seq(), stored, v.tag(), Buffers.plain(blockSize));
                } catch (ChecksumMismatchException e) {
                    return false;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public VolumeUsage usage() {
        structure.readLock().lock();
        try {
            long[] allocated = {0};
            tree.resolved.forEach((block, entry) -> {
                Layer l = tree.bySlot(entry);
                if (l != null && l.delta.state(block) == LayerDelta.DATA) {
                    allocated[0]++;
                }
            });
            long stored = 0;
            int snapshots = 0;
            for (Layer l : tree.all()) {
                stored += l.delta.dataBlocks();
                if (l.name != null && !l.hidden) {
                    snapshots++;
                }
            }
            return new VolumeUsage(descriptor.sizeBytes(), allocated[0] * blockSize, stored * blockSize, snapshots);
        } catch (IOException e) {
            throw new IllegalStateException("in-memory iteration cannot fail", e);
        } finally {
            structure.readLock().unlock();
        }
    }

    /** Blocks that may hold data in the live view or in a snapshot (superset; zero blocks may be included). */
    RoaringBitmap candidateBlocks(String snapshotOrNull) throws IOException {
        RoaringBitmap blocks = new RoaringBitmap();
        structure.readLock().lock();
        try {
            ensureOpen();
            if (snapshotOrNull == null) {
                tree.resolved.forEach((block, entry) -> blocks.add((int) block));
                for (Long block : tree.live().dirty.keySet()) {
                    blocks.add(block.intValue());
                }
            } else {
                for (Layer l = requireSnapshot(snapshotOrNull); l != null; l = l.parent) {
                    l.delta.forEachPresent((block, state) -> {
                        if (state == LayerDelta.DATA) {
                            blocks.add((int) block);
                        }
                    });
                }
            }
        } finally {
            structure.readLock().unlock();
        }
        return blocks;
    }

    // ------------------------------------------------------------------ helpers

    ReentrantLock stripe(long block) {
        return core.locks.lock(lockSalt, block);
    }

    private void ensureOpen() throws EngineException {
        if (closed) {
            throw new EngineException("volume " + id + " is closed");
        }
    }

    private void checkRange(long offset, long length) throws OutOfRangeException {
        long size = descriptor.sizeBytes();
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

    private static void validateName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("snapshot name must be non-blank and at most " + MAX_NAME_BYTES
                    + " UTF-8 bytes: '" + name + "'");
        }
    }

    @Override
    public String toString() {
        return "volume " + id;
    }
}
