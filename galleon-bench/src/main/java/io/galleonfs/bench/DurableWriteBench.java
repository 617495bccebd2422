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
 * SPEC P2: durable 4 KiB random writes from 32 threads. {@code engineDurable} writes with
 * {@link WriteConcern#DURABLE}, so concurrent writers share the journal's group-commit fdatasync;
 * {@code fsyncPerWrite} is the naive alternative: a positional write plus {@code force(false)} (fdatasync)
 * per write into one file. Each thread writes random aligned blocks of its own 1/N slice of 1 GiB in both
 * methods. P2 = engineDurable / fsyncPerWrite.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(32)
@Fork(value = 1, jvmArgsPrepend = {"-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class DurableWriteBench {
    static final long SIZE = BenchSupport.GIB;
    static final long BLOCKS = SIZE / BenchSupport.BLOCK;

    /** Per thread: a 4 KiB direct buffer of random bytes and random aligned offsets inside the thread's slice. */
    @State(Scope.Thread)
    public static class Writer {
        ByteBuffer block;
        SplittableRandom random;
        long firstBlock;
        long regionBlocks;

        @Setup(Level.Trial)
        public void setup(ThreadParams thread) {
            block = BenchSupport.randomDirect(BenchSupport.BLOCK, 0xD0AB_0000L + thread.getThreadIndex());
            random = new SplittableRandom(0xF5C1L * 31 + thread.getThreadIndex());
            regionBlocks = BLOCKS / thread.getThreadCount();
            firstBlock = regionBlocks * thread.getThreadIndex();
        }

        long nextOffset() {
            return (firstBlock + random.nextLong(regionBlocks)) * BenchSupport.BLOCK;
        }

        ByteBuffer data() {
            return block.clear();
        }
    }

    @Benchmark
    public void engineDurable(PlainEngineVolume engine, Writer writer) throws IOException {
        engine.volume.write(writer.nextOffset(), writer.data(), WriteConcern.DURABLE);
    }

    @Benchmark
    public void fsyncPerWrite(SparseRawFile raw, Writer writer) throws IOException {
        BenchSupport.writeFully(raw.channel, writer.data(), writer.nextOffset());
        raw.channel.force(false);
    }
}
