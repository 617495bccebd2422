package io.galleonfs.bench;

import io.galleonfs.engine.lsm.LogStore;
import io.galleonfs.engine.lsm.LogStoreConfig;
import io.galleonfs.engine.lsm.LogStoreStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The log-structured store (issue 18, {@code io.galleonfs.engine.lsm}) with its default settings (64 MiB segments,
 * a checkpoint per GiB of log) and one volume, on the same file system as {@link SparseRawFile}. At teardown it
 * prints the group-commit figures on the fork's stdout.
 */
@State(Scope.Benchmark)
public class LogStoreVolume {
    Path dir;
    LogStore store;
    UUID volume;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        dir = BenchSupport.newScratchDir("lsm");
        store = LogStore.open(LogStoreConfig.defaults(dir.resolve("store"), BenchSupport.BLOCK));
        volume = UUID.randomUUID();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            if (store != null) {
                LogStoreStats s = store.stats();
                System.out.printf("%nlsm: %d records in %d batches (%.1f per apply step), %d durable, %d fsyncs "
                                + "(%.1f durable records per fsync), %d checkpoints, %d segments%n",
                        s.records(), s.batches(), s.batches() == 0 ? 0.0 : (double) s.records() / s.batches(),
                        s.durableRecords(), s.fsyncs(), s.fsyncs() == 0 ? 0.0 : (double) s.durableRecords() / s.fsyncs(),
                        s.checkpoints(), s.segments());
                store.close();
            }
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }
}
