package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.roaringbitmap.RoaringBitmap;

/**
 * Prints FIGURE lines: backup and restore MB/s of a 1 GiB mixed in-memory volume (a third random, a third a
 * repeated 64 KiB pattern, a third zeros/unallocated) to a directory repository under /tmp. Not a timed assertion;
 * run with {@code -Dgalleon.figures=true -Dtest=ThroughputFigureTest}. Restored bytes are compared with the source.
 */
@EnabledIfSystemProperty(named = "galleon.figures", matches = "true")
class ThroughputFigureTest {
    @Test
    void backupAndRestoreOneGibibyte() throws IOException {
        int size = Integer.getInteger("galleon.figures.mib", 1024) << 20;
        int blockSize = 4096;
        byte[] data = new byte[size];
        SplittableRandom r = new SplittableRandom(42);
        int third = size / 3 / blockSize * blockSize;
        ByteBuffer view = ByteBuffer.wrap(data);
        for (int i = 0; i + 8 <= third; i += 8) {
            view.putLong(i, r.nextLong());
        }
        byte[] pattern = Arrays.copyOf(data, 64 << 10);
        for (int off = third; off < 2 * third; off += pattern.length) {
            System.arraycopy(pattern, 0, data, off, Math.min(pattern.length, 2 * third - off));
        }
        MemoryVolume vol = new MemoryVolume(data, blockSize);
        vol.toRead = RoaringBitmap.bitmapOfRange(0, 2L * third / blockSize);
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "galleon-backup-figure-");
        try (ObjectStore store = ObjectStores.open(TargetSpec.directory(dir));
             BackupRepository repo = BackupRepository.init(store, "figure passphrase".toCharArray(), null)) {
            long t0 = System.nanoTime();
            BackupManifest m = repo.backup(RepositoryContractTest.full("fig"), vol, Progress.NONE, Cancellation.NONE);
            double backupSec = (System.nanoTime() - t0) / 1e9;
            long stored = store.list("").stream().mapToLong(ObjectInfo::size).sum();
            int objects = store.list("").size();

            RestoreSink checking = new RestoreSink() {
                long written;

                @Override
                public long sizeBytes() {
                    return size;
                }

                @Override
                public void write(long offset, ByteBuffer src) {
                    int n = src.remaining();
                    if (Arrays.mismatch(src.array(), src.arrayOffset() + src.position(),
                            src.arrayOffset() + src.position() + n, data, (int) offset, (int) offset + n) >= 0) {
                        throw new AssertionError("restored bytes differ at " + offset);
                    }
                    written += n;
                }

                @Override
                public void writeZeros(long offset, long length) {
                    for (long k = offset; k < offset + length; k++) {
                        if (data[(int) k] != 0) {
                            throw new AssertionError("restored zeros differ at " + k);
                        }
                    }
                    written += length;
                }

                @Override
                public void flush() {
                    assertEquals(size, written);
                }
            };
            long t1 = System.nanoTime();
            repo.restore(m.info().id(), checking, Progress.NONE, Cancellation.NONE);
            double restoreSec = (System.nanoTime() - t1) / 1e9;
            double mib = size / (1024.0 * 1024.0);
            System.out.printf("FIGURE backup volume=%.0fMiB read=%.0fMiB time=%.2fs rate=%.0fMB/s (volume bytes/s)"
                            + " stored=%.1fMiB objects=%d packs=%d%n", mib, vol.bytesRead.get() / 1048576.0,
                    backupSec, size / 1e6 / backupSec, stored / 1048576.0, objects, m.info().stats().packsWritten());
            System.out.printf("FIGURE restore volume=%.0fMiB time=%.2fs rate=%.0fMB/s (volume bytes/s)%n", mib,
                    restoreSec, size / 1e6 / restoreSec);
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
