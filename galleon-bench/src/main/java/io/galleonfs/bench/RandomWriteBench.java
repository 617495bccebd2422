package io.galleonfs.bench;

import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * SPEC P1: 4 KiB random block-aligned writes from 32 threads over 1 GiB, acknowledged (not fsynced).
 * {@code engineAcknowledged} writes through the engine ({@link WriteConcern#ACKNOWLEDGED}); {@code rawPwrite}
 * is the ceiling: positional {@link FileChannel} writes into one sparse 1 GiB file, no fsync. Both draw offsets
 * uniformly from the same 262,144 aligned blocks. P1 = engineAcknowledged / rawPwrite.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(32)
@Fork(value = 1, jvmArgsPrepend = {"-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class RandomWriteBench {
    static final long SIZE = BenchSupport.GIB;
    static final long BLOCKS = SIZE / BenchSupport.BLOCK;

    /** Per thread: one 4 KiB direct buffer of random bytes and an offset generator. */
    @State(Scope.Thread)
    public static class Writer {
        ByteBuffer block;
        SplittableRandom random;

        @Setup(Level.Trial)
        public void setup(ThreadParams thread) {
            block = BenchSupport.randomDirect(BenchSupport.BLOCK, 0x5EED_0000L + thread.getThreadIndex());
            random = new SplittableRandom(0xB10CL * 31 + thread.getThreadIndex());
        }

        long nextOffset() {
            return random.nextLong(BLOCKS) * BenchSupport.BLOCK;
        }

        ByteBuffer data() {
            return block.clear();
        }
    }

    @Benchmark
    public void engineAcknowledged(PlainEngineVolume engine, Writer writer) throws IOException {
        engine.volume.write(writer.nextOffset(), writer.data(), WriteConcern.ACKNOWLEDGED);
    }

    @Benchmark
    public void rawPwrite(SparseRawFile raw, Writer writer) throws IOException {
        BenchSupport.writeFully(raw.channel, writer.data(), writer.nextOffset());
    }
}
