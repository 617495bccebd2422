package io.galleonfs.engine.convert;

import io.galleonfs.engine.AtomicFiles;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.KeyProvider;
import io.galleonfs.engine.SnapshotInfo;
import io.galleonfs.engine.StorageFormat;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Converts a node's engine storage ({@code <storage>/engine}) offline from one {@link StorageFormat} to the other
 * ({@code galleonfs storage convert}). The new store is built beside the old one in {@code <storage>/engine.converting}
 * (marked by a file {@value #MARKER}): every volume with its size and encryption, its snapshots oldest first (each
 * snapshot's blocks written, then the snapshot taken under the same name), then its live content; only blocks the
 * source's maps can hold are read, and a block already equal in the target is not written. The new store is closed,
 * reopened and compared byte for byte with the source, every file and directory fsynced, and only then swapped in with
 * one {@code renameat2(RENAME_EXCHANGE)} ({@link DirectorySwap}). A crash before the swap leaves the old store in place
 * (the marked staging directory is removed by the next run); after it, the new one (the old store, now unmarked in
 * {@code engine.converting}, is kept by the next run as {@code engine.old-<format>}). The old store is removed after the
 * swap, or kept with {@code keepOld}.
 *
 * <p>Not carried over: snapshot creation times (the snapshot is taken at conversion time; the engines' API takes no
 * time), clone sharing (a log store clone's shared records become an independent copy in either direction), data keys
 * (an encrypted volume gets a new data key in the target, wrapped by the same key provider: its blocks are decrypted
 * from the source and encrypted again). Refuses while a daemon holds {@code <storage>/node.lock}, and holds it itself so
 * none starts meanwhile.
 */
public final class StorageConverter {
    /** Marks a directory as an unfinished conversion's staging store. */
    static final String MARKER = "CONVERTING";
    static final String ENGINE = "engine";
    static final String STAGING = "engine.converting";
    /** Blocks compared and copied per run (1 MiB at 4 KiB blocks). */
    private static final int RUN_BLOCKS = 256;

    /** Where a conversion is; {@link Hooks} sees each (tests inject crashes there). */
    enum Step { VOLUME_COPIED, STAGED, SWAPPED, MARKER_REMOVED }

    /** Test seam, called after each step. An {@link Error} thrown there stands in for a crash: nothing is cleaned up. */
    interface Hooks {
        void after(Step step) throws IOException;
    }

    /**
     * What was converted.
     *
     * @param keptOld where the old store was kept, or null when it was removed
     */
    public record Result(String from, String to, int volumes, int snapshots, long bytesWritten, long millis, Path keptOld) {
    }

    private final Path storage;
    private final String target;
    private final int blockSize;
    private final KeyProvider keys;
    private final boolean keepOld;
    private final Consumer<String> progress;
    private Hooks hooks = step -> { };

    /**
     * @param storage   the node's storage path (holding {@code engine/})
     * @param target    {@link StorageFormat#LAYERS_V1} or {@link StorageFormat#LOG_V1}
     * @param blockSize the node's {@code block_size}: the log store's block size (source or target)
     * @param keys      the node's key provider, or null when no volume is encrypted
     * @param progress  receives one line per step and per volume
     */
    public StorageConverter(Path storage, String target, int blockSize, KeyProvider keys, boolean keepOld, Consumer<String> progress) {
        this.storage = storage.toAbsolutePath().normalize();
        this.target = Objects.requireNonNull(target, "target");
        if (!StorageFormat.known(target)) {
            throw new IllegalArgumentException("unknown engine format " + target);
        }
        this.blockSize = blockSize;
        this.keys = keys;
        this.keepOld = keepOld;
        this.progress = progress;
    }

    StorageConverter hooks(Hooks h) {
        this.hooks = h;
        return this;
    }

    /**
     * Runs the conversion.
     *
     * @throws EngineException with one readable line: no storage, already in the target format, a daemon running, a
     *                         verification mismatch (the old store is kept and the staging directory removed then)
     */
    public Result convert() throws IOException {
        long started = System.nanoTime();
        if (!Files.isDirectory(storage)) {
            throw new EngineException("storage path " + storage + " does not exist or is not a directory");
        }
        try (NodeLock ignored = NodeLock.take(storage)) {
            Path root = storage.resolve(ENGINE);
            Path staging = storage.resolve(STAGING);
            finishEarlierRun(root, staging);
            String from = Files.isDirectory(root) ? StorageFormat.recorded(root) : null;
            if (from == null) {
                throw new EngineException("no GalleonFS engine storage at " + root + ": nothing to convert");
            }
            if (!StorageFormat.known(from)) {
                throw new EngineException("engine storage " + root + " is in format " + from + ", which this build does not read");
            }
            if (from.equals(target)) {
                throw new EngineException("engine storage " + root + " is already in format " + target + ": nothing to do");
            }
            probeSwap();
            progress.accept("converting " + root + " from " + from + " to " + target + " (staging in " + staging + ")");
            Files.createDirectories(staging);
            AtomicFiles.write(staging.resolve(MARKER), ByteBuffer.wrap(("conversion to " + target + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            Copied copied;
            try {
                copied = copyAndVerify(root, from, staging);
                fsyncTree(staging);
            } catch (IOException | RuntimeException e) {
                deleteTree(staging);
                throw new EngineException("conversion failed, nothing was changed (the storage stays in format " + from + "): "
                        + oneLine(e), e);
            }
            hooks.after(Step.STAGED);
            try {
                DirectorySwap.exchange(root, staging);
            } catch (IOException e) {
                deleteTree(staging); // the exchange did not happen: the old store is still the root
                throw new EngineException("conversion failed, nothing was changed (the storage stays in format " + from + "): "
                        + oneLine(e), e);
            }
            AtomicFiles.fsyncDirectory(storage);
            hooks.after(Step.SWAPPED);
            progress.accept("switched " + root + " to format " + target);
            Files.delete(root.resolve(MARKER));
            AtomicFiles.fsyncDirectory(root);
            hooks.after(Step.MARKER_REMOVED);
            Path kept = null;
            if (keepOld) {
                kept = keepAside(staging, from);
                progress.accept("kept the old " + from + " store at " + kept);
            } else {
                deleteTree(staging);
                AtomicFiles.fsyncDirectory(storage);
                progress.accept("removed the old " + from + " store");
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            progress.accept(String.format("done: %d volume(s), %d snapshot(s), %.1f MiB written in %.1f s", copied.volumes,
                    copied.snapshots, copied.bytes / 1048576.0, millis / 1000.0));
            return new Result(from, target, copied.volumes, copied.snapshots, copied.bytes, millis, kept);
        }
    }

    private record Copied(int volumes, int snapshots, long bytes) {
    }

    /**
     * Leftovers of a run cut short: a marked staging directory was never switched in (removed); an unmarked one is the
     * old store a switched run did not get to remove (kept aside, never deleted unasked); a marker inside the engine root
     * is the switched store's (removed).
     */
    private void finishEarlierRun(Path root, Path staging) throws IOException {
        if (Files.exists(root.resolve(MARKER))) {
            Files.delete(root.resolve(MARKER));
            AtomicFiles.fsyncDirectory(root);
        }
        if (!Files.isDirectory(staging)) {
            return;
        }
        if (Files.exists(staging.resolve(MARKER))) {
            progress.accept("removing " + staging + ", the staging store of a conversion that did not finish");
            deleteTree(staging);
        } else {
            String format = StorageFormat.recorded(staging);
            Path kept = keepAside(staging, format == null ? "unknown" : format);
            progress.accept("an earlier conversion switched formats but did not remove the old store: kept it at " + kept);
        }
        AtomicFiles.fsyncDirectory(storage);
    }

    private Path keepAside(Path dir, String format) throws IOException {
        Path kept = storage.resolve("engine.old-" + format);
        for (int i = 2; Files.exists(kept); i++) {
            kept = storage.resolve("engine.old-" + format + "." + i);
        }
        Files.move(dir, kept, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        AtomicFiles.fsyncDirectory(storage);
        return kept;
    }

    /** Fails before anything is copied where the file system cannot swap directories atomically. */
    private void probeSwap() throws IOException {
        Path a = storage.resolve(".swap-probe-a");
        Path b = storage.resolve(".swap-probe-b");
        deleteTree(a);
        deleteTree(b);
        Files.createDirectory(a);
        Files.createDirectory(b);
        try {
            DirectorySwap.exchange(a, b);
        } finally {
            deleteTree(a);
            deleteTree(b);
        }
    }

    private EngineConfig config(Path root, String format) {
        return EngineConfig.defaults(root, blockSize, keys).withFormat(format);
    }

    private Copied copyAndVerify(Path root, String from, Path staging) throws IOException {
        int volumes = 0;
        int snapshots = 0;
        long bytes = 0;
        try (BlockEngine source = BlockEngine.open(config(root, from))) {
            List<UUID> ids = new ArrayList<>(source.volumeIds());
            ids.sort(Comparator.naturalOrder());
            progress.accept(ids.size() + " volume(s) to copy");
            try (BlockEngine dest = BlockEngine.open(config(staging, target))) {
                for (UUID id : ids) {
                    Volume src = source.find(id).orElseThrow();
                    if (src.blockSize() != blockSize) {
                        throw new EngineException("volume " + id + " has block size " + src.blockSize() + ", not " + blockSize
                                + ": pass the node's block_size with --block-size");
                    }
                    long t0 = System.nanoTime();
                    Volume dst = dest.create(id, src.sizeBytes(), src.encrypted());
                    long written = 0;
                    String previous = null;
                    List<SnapshotInfo> snaps = src.snapshots();
                    for (SnapshotInfo s : snaps) {
                        String name = s.name();
                        written += copyBlocks(src.changedBlocks(previous, name), (off, buf) -> src.readSnapshot(name, off, buf), dst);
                        dst.createSnapshot(name);
                        previous = name;
                    }
                    written += copyBlocks(RoaringBitmap.or(src.allocatedBlocks(), dst.allocatedBlocks()), src::read, dst);
                    dst.flush();
                    double seconds = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
                    progress.accept(String.format("volume %s: %d snapshot(s), %s, %.1f MiB written in %.1f s (%.1f MB/s)", id,
                            snaps.size(), src.encrypted() ? "encrypted" : "plain", written / 1048576.0, seconds,
                            written / 1e6 / seconds));
                    volumes++;
                    snapshots += snaps.size();
                    bytes += written;
                    hooks.after(Step.VOLUME_COPIED);
                }
            }
            progress.accept("verifying: reading every volume and snapshot back from the new store");
            try (BlockEngine dest = BlockEngine.open(config(staging, target))) {
                for (UUID id : ids) {
                    verify(source.find(id).orElseThrow(), dest.find(id).orElse(null), id);
                }
            }
        }
        progress.accept("verified " + volumes + " volume(s) and " + snapshots + " snapshot(s)");
        return new Copied(volumes, snapshots, bytes);
    }

    @FunctionalInterface
    private interface Reader {
        void read(long offset, ByteBuffer dst) throws IOException;
    }

    /**
     * Makes {@code dst}'s live content equal to {@code reader}'s on the candidate blocks (a superset of those that can
     * differ): runs of up to {@link #RUN_BLOCKS} blocks are read from both, equal blocks skipped, zero blocks trimmed (the
     * target stays thin), the rest written in contiguous pieces. Returns the bytes written.
     */
    private long copyBlocks(RoaringBitmap candidates, Reader reader, Volume dst) throws IOException {
        int bs = blockSize;
        ByteBuffer want = ByteBuffer.allocate(RUN_BLOCKS * bs);
        ByteBuffer have = ByteBuffer.allocate(RUN_BLOCKS * bs);
        byte[] zero = new byte[bs];
        long written = 0;
        long maxBlock = dst.sizeBytes() / bs;
        PeekableIntIterator it = candidates.getIntIterator();
        while (it.hasNext()) {
            long first = Integer.toUnsignedLong(it.next());
            if (first >= maxBlock) {
                break;
            }
            int n = 1;
            while (n < RUN_BLOCKS && it.hasNext() && Integer.toUnsignedLong(it.peekNext()) == first + n && first + n < maxBlock) {
                it.next();
                n++;
            }
            want.clear().limit(n * bs);
            have.clear().limit(n * bs);
            reader.read(first * bs, want);
            dst.read(first * bs, have);
            byte[] w = want.array();
            byte[] h = have.array();
            int i = 0;
            while (i < n) {
                if (Arrays.equals(w, i * bs, (i + 1) * bs, h, i * bs, (i + 1) * bs)) {
                    i++;
                    continue;
                }
                boolean zeros = Arrays.equals(w, i * bs, (i + 1) * bs, zero, 0, bs);
                int j = i + 1;
                while (j < n && !Arrays.equals(w, j * bs, (j + 1) * bs, h, j * bs, (j + 1) * bs)
                        && Arrays.equals(w, j * bs, (j + 1) * bs, zero, 0, bs) == zeros) {
                    j++;
                }
                if (zeros) {
                    dst.trim((first + i) * bs, (long) (j - i) * bs);
                } else {
                    dst.write((first + i) * bs, ByteBuffer.wrap(w, i * bs, (j - i) * bs), WriteConcern.ACKNOWLEDGED);
                    written += (long) (j - i) * bs;
                }
                i = j;
            }
        }
        return written;
    }

    /** Byte comparison of the live view and every snapshot; sizes, encryption and snapshot names in order too. */
    private void verify(Volume src, Volume dst, UUID id) throws IOException {
        if (dst == null) {
            throw new EngineException("verification failed: volume " + id + " is missing from the new store");
        }
        if (dst.sizeBytes() != src.sizeBytes() || dst.encrypted() != src.encrypted()) {
            throw new EngineException("verification failed: volume " + id + " has another size or encryption in the new store");
        }
        List<String> names = src.snapshots().stream().map(SnapshotInfo::name).toList();
        if (!names.equals(dst.snapshots().stream().map(SnapshotInfo::name).toList())) {
            throw new EngineException("verification failed: volume " + id + " has other snapshots in the new store");
        }
        for (String name : names) {
            compare(RoaringBitmap.or(src.changedBlocks(null, name), dst.changedBlocks(null, name)),
                    (off, buf) -> src.readSnapshot(name, off, buf), (off, buf) -> dst.readSnapshot(name, off, buf),
                    "volume " + id + " snapshot " + name, src.sizeBytes());
        }
        compare(RoaringBitmap.or(src.allocatedBlocks(), dst.allocatedBlocks()), src::read, dst::read, "volume " + id,
                src.sizeBytes());
    }

    private void compare(RoaringBitmap blocks, Reader a, Reader b, String what, long size) throws IOException {
        int bs = blockSize;
        ByteBuffer x = ByteBuffer.allocate(bs);
        ByteBuffer y = ByteBuffer.allocate(bs);
        PeekableIntIterator it = blocks.getIntIterator();
        while (it.hasNext()) {
            long block = Integer.toUnsignedLong(it.next());
            if ((block + 1) * bs > size) {
                break;
            }
            a.read(block * bs, x.clear());
            b.read(block * bs, y.clear());
            if (!Arrays.equals(x.array(), y.array())) {
                throw new EngineException("verification failed: " + what + " differs at block " + block);
            }
        }
    }

    private static void fsyncTree(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.toList();
        }
        for (Path p : all) {
            if (Files.isRegularFile(p)) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
        }
        for (Path p : all.reversed()) {
            if (Files.isDirectory(p)) {
                AtomicFiles.fsyncDirectory(p);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        return (m == null ? e.getClass().getSimpleName() : m).replace('\n', ' ');
    }

    /** {@code <storage>/node.lock}, the daemon's lock: a running daemon refuses the conversion, none starts during it. */
    private record NodeLock(FileChannel channel, FileLock lock) implements AutoCloseable {
        static NodeLock take(Path storage) throws IOException {
            Path file = storage.resolve("node.lock");
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
                ch.close();
                throw new EngineException("storage path " + storage + " is in use by a running GalleonFS daemon"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")") + ": stop it before converting");
            }
            return new NodeLock(ch, lock);
        }

        @Override
        public void close() throws IOException {
            lock.release();
            channel.close();
        }
    }
}
