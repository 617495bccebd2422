package io.galleonfs.bench;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
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
 * 4 KiB random reads of the live content of a volume holding 64 MiB of written data, with 0 or 100 snapshots
 * taken. Setup writes the 64 MiB, then runs {@value #ROUNDS} rounds of {@value #WRITES_PER_ROUND} random 4 KiB
 * writes, taking a snapshot after each of the first {@code snapshots} rounds, so both settings hold the same
 * data and, with snapshots, every layer is non-empty and most blocks live in the oldest layer. A live read
 * must cost the same whatever the number of snapshots: compare {@code snapshots=100} with {@code snapshots=0}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsPrepend = {"-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@State(Scope.Benchmark)
public class SnapshotReadBench {
    static final long DATA = 64 * BenchSupport.MIB;
    static final long BLOCKS = DATA / BenchSupport.BLOCK;
    static final int ROUNDS = 100;
    static final int WRITES_PER_ROUND = 8;

    @Param({"0", "100"})
    public int snapshots;

    Path dir;
    BlockEngine engine;
    Volume volume;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        if (snapshots < 0 || snapshots > ROUNDS) {
            throw new IllegalArgumentException("snapshots must be between 0 and " + ROUNDS + ": " + snapshots);
        }
        dir = BenchSupport.newScratchDir("snap-" + snapshots);
        engine = BenchSupport.openEngine(dir.resolve("engine"), null);
        volume = engine.create(UUID.randomUUID(), DATA, false);
        ByteBuffer chunk = BenchSupport.randomDirect((int) BenchSupport.MIB, 0x64L);
        for (long off = 0; off < DATA; off += chunk.capacity()) {
            volume.write(off, chunk.clear(), WriteConcern.ACKNOWLEDGED);
        }
        ByteBuffer block = BenchSupport.randomDirect(BenchSupport.BLOCK, 0x5A4L);
        SplittableRandom random = new SplittableRandom(0x1A7E5L);
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < WRITES_PER_ROUND; i++) {
                volume.write(random.nextLong(BLOCKS) * BenchSupport.BLOCK, block.clear(), WriteConcern.ACKNOWLEDGED);
            }
            if (round < snapshots) {
                volume.createSnapshot("s" + round);
            }
        }
        volume.flush();
        if (volume.snapshots().size() != snapshots) {
            throw new IllegalStateException("expected " + snapshots + " snapshots, found " + volume.snapshots().size());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            if (engine != null) {
                engine.close();
            }
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }

    /** Per thread: a 4 KiB read buffer and an offset generator. */
    @State(Scope.Thread)
    public static class Reader {
        final ByteBuffer target = ByteBuffer.allocateDirect(BenchSupport.BLOCK);
        final SplittableRandom random = new SplittableRandom();

        long nextOffset() {
            return random.nextLong(BLOCKS) * BenchSupport.BLOCK;
        }
    }

    @Benchmark
    public ByteBuffer randomRead(Reader reader) throws IOException {
        ByteBuffer dst = reader.target.clear();
        volume.read(reader.nextOffset(), dst);
        return dst;
    }
}
