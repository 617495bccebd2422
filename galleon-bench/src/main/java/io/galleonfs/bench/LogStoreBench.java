package io.galleonfs.bench;

import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P1 and P2 shapes against the log-structured store (issue 18): {@code lsmAcknowledged} is
 * {@link RandomWriteBench}'s workload (32 threads, 4 KiB random blocks of 1 GiB, acknowledged), {@code lsmDurable}
 * is {@link DurableWriteBench}'s (32 writers, each in its own slice, durable). Same writer states, so the offsets
 * and bytes match the engine and baseline methods. {@code lsmAcknowledgedUnderSnapshots} is lsmAcknowledged with a
 * snapshot taken before every iteration (issue 18, phase 2: the write path with index versions). Ratios: lsmAcknowledged / RandomWriteBench.rawPwrite and
 * lsmDurable / DurableWriteBench.fsyncPerWrite, from the same run.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(32)
@Fork(value = 1, jvmArgsPrepend = {"-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class LogStoreBench {

    @Benchmark
    public void lsmAcknowledged(LogStoreVolume lsm, RandomWriteBench.Writer writer) throws IOException {
        lsm.store.write(lsm.volume, writer.nextOffset() / BenchSupport.BLOCK, writer.data(), WriteConcern.ACKNOWLEDGED);
    }

    /** lsmAcknowledged while the volume has snapshots (a new one per iteration): the cost of index versions. */
    @Benchmark
    public void lsmAcknowledgedUnderSnapshots(LogStoreSnapshottedVolume lsm, RandomWriteBench.Writer writer)
            throws IOException {
        lsm.store.write(lsm.volume, writer.nextOffset() / BenchSupport.BLOCK, writer.data(), WriteConcern.ACKNOWLEDGED);
    }

    @Benchmark
    public void lsmDurable(LogStoreVolume lsm, DurableWriteBench.Writer writer) throws IOException {
        lsm.store.write(lsm.volume, writer.nextOffset() / BenchSupport.BLOCK, writer.data(), WriteConcern.DURABLE);
    }
}
