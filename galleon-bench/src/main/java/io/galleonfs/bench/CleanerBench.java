package io.galleonfs.bench;

import io.galleonfs.engine.WriteConcern;
import io.galleonfs.engine.lsm.BackgroundCleaner;
import io.galleonfs.engine.lsm.LogStore;
import io.galleonfs.engine.lsm.LogStoreConfig;
import io.galleonfs.engine.lsm.LogStoreStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 18's cleaner bar: client 4 KiB random acknowledged writes (32 threads) on a log store whose 256 MiB volume was
 * already overwritten three times at random, with the background cleaner off, on its default policy, and
 * "continuous" ({@code cleaner} parameter). The bar is the figure with the cleaner ≥ 0.7 × the one without, and the
 * store's space after the run within 1.3 × its live data (printed at teardown). "continuous" cleans whenever the store
 * is above 1.05 × live with no pause between passes, so the cleaner works through the whole measurement: the worst case
 * for the clients.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(32)
@Fork(value = 1, jvmArgsPrepend = {"-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
public class CleanerBench {
    static final long BLOCKS = (256L << 20) / BenchSupport.BLOCK;

    @State(Scope.Benchmark)
    public static class OverwrittenStore {
        @Param({"off", "default", "continuous"})
        public String cleaner;

        Path dir;
        LogStore store;
        UUID volume;
        BackgroundCleaner background;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            dir = BenchSupport.newScratchDir("cleaner");
            store = LogStore.open(new LogStoreConfig(dir.resolve("store"), BenchSupport.BLOCK, 8L << 20, 1L << 30));
            volume = UUID.randomUUID();
            ByteBuffer block = BenchSupport.randomDirect(BenchSupport.BLOCK, 0xC1EA_0000L);
            SplittableRandom random = new SplittableRandom(0xC1EA);
            for (long b = 0; b < BLOCKS; b++) {
                store.write(volume, b, block.clear(), WriteConcern.ACKNOWLEDGED);
            }
            for (long i = 0; i < 2 * BLOCKS; i++) {
                store.write(volume, random.nextLong(BLOCKS), block.clear(), WriteConcern.ACKNOWLEDGED);
            }
            LogStoreStats s = store.stats();
            System.out.printf("%ncleaner bench: before the run %d segment bytes for %d live (%.2f x)%n",
                    s.segmentBytes(), s.liveBytes(), (double) s.segmentBytes() / s.liveBytes());
            if (cleaner.equals("default")) {
                background = new BackgroundCleaner(store, BackgroundCleaner.Policy.defaults(8L << 20)).start();
            } else if (cleaner.equals("continuous")) {
                background = new BackgroundCleaner(store, new BackgroundCleaner.Policy(1.05, 1.0, 0, Duration.ofMillis(10), Duration.ZERO))
                        .start();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            try {
                if (background != null) {
                    background.close();
                    System.out.printf("%ncleaner bench: %s%n", background.counters());
                }
                if (store != null) {
                    LogStoreStats s = store.stats();
                    System.out.printf("cleaner bench (%s): after the run %d segment bytes for %d live (%.2f x)%n", cleaner,
                            s.segmentBytes(), s.liveBytes(), (double) s.segmentBytes() / s.liveBytes());
                    store.close();
                }
            } finally {
                BenchSupport.deleteTree(dir);
            }
        }
    }

    @Benchmark
    public void clientWrites(OverwrittenStore s, RandomWriteBench.Writer w) throws IOException {
        // RandomWriteBench's writers, folded onto this smaller volume (its 1 GiB is a multiple: still uniform)
        s.store.write(s.volume, w.nextOffset() / BenchSupport.BLOCK % BLOCKS, w.data(), WriteConcern.ACKNOWLEDGED);
    }
}
