package io.galleonfs.bench;

import io.galleonfs.engine.WriteConcern;
import io.galleonfs.engine.lsm.LogStore;
import io.galleonfs.engine.lsm.LogStoreConfig;
import io.galleonfs.engine.lsm.LogStoreStats;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 18 bar 4: writes 1 GiB of distinct 4 KiB blocks at random into a 1 TiB thin volume of the log-structured
 * store, then prints the index's bytes per block and the heap in use after a full GC. Run it with the heap cap the
 * bar names, so exceeding it fails the run:
 * {@code java -Xmx48m -cp galleon-bench/target/galleon-bench.jar io.galleonfs.bench.LogStoreMemory}.
 */
public final class LogStoreMemory {
    private static final long BLOCKS_IN_VOLUME = (1L << 40) / BenchSupport.BLOCK;
    private static final int BLOCKS_WRITTEN = (int) ((1L << 30) / BenchSupport.BLOCK);
    private static final int THREADS = 8;

    private LogStoreMemory() {
    }

    /** BLOCKS_WRITTEN distinct block numbers in random order (a few MiB, not a bitmap of the whole volume). */
    private static int[] distinctRandomBlocks(SplittableRandom random) {
        int[] candidates = new int[BLOCKS_WRITTEN + BLOCKS_WRITTEN / 64];
        int unique;
        do {
            for (int i = 0; i < candidates.length; i++) {
                candidates[i] = (int) random.nextLong(BLOCKS_IN_VOLUME);
            }
            Arrays.sort(candidates);
            unique = 0;
            for (int i = 0; i < candidates.length; i++) {
                if (i == 0 || candidates[i] != candidates[i - 1]) {
                    candidates[unique++] = candidates[i];
                }
            }
        } while (unique < BLOCKS_WRITTEN);
        for (int i = unique - 1; i > 0; i--) { // Fisher-Yates: write order random, not ascending
            int j = random.nextInt(i + 1);
            int t = candidates[i];
            candidates[i] = candidates[j];
            candidates[j] = t;
        }
        return Arrays.copyOf(candidates, BLOCKS_WRITTEN);
    }

    public static void main(String[] args) throws Exception {
        Path dir = BenchSupport.newScratchDir("lsm-memory");
        try (LogStore store = LogStore.open(LogStoreConfig.defaults(dir.resolve("store"), BenchSupport.BLOCK))) {
            UUID volume = UUID.randomUUID();
            int[] blocks = distinctRandomBlocks(new SplittableRandom(18));
            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t;
                futures.add(pool.submit(() -> {
                    ByteBuffer data = BenchSupport.randomDirect(BenchSupport.BLOCK, first);
                    for (int i = first; i < blocks.length; i += THREADS) {
                        store.write(volume, blocks[i], data.clear(), WriteConcern.ACKNOWLEDGED);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.gc();
            long heapUsed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            LogStoreStats s = store.stats();
            System.out.printf("lsm memory: %d blocks written at random into a 1 TiB volume in %.1f s; index %d bytes "
                            + "= %.1f bytes/block; heap used after GC %.1f MiB (max %.1f MiB)%n",
                    s.mappedBlocks(), seconds, s.indexHeapBytes(), (double) s.indexHeapBytes() / s.mappedBlocks(),
                    heapUsed / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }
}
