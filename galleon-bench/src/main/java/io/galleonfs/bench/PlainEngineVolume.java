package io.galleonfs.bench;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineStats;
import io.galleonfs.engine.Volume;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The engine side of the 4 KiB benchmarks: a fresh engine with one plain 1 GiB volume, on the same file system as
 * {@link SparseRawFile}. At teardown it prints the group-commit figure (durable writes per fsync) on the fork's stdout.
 */
@State(Scope.Benchmark)
public class PlainEngineVolume {
    static final long SIZE = BenchSupport.GIB;

    Path dir;
    BlockEngine engine;
    Volume volume;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        dir = BenchSupport.newScratchDir("engine");
        engine = BenchSupport.openEngine(dir.resolve("engine"), null);
        volume = engine.create(UUID.randomUUID(), SIZE, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            if (engine != null) {
                EngineStats stats = engine.stats();
                System.out.printf("%nengine: %d durable writes, %d fsyncs (%.1f durable writes per fsync)%n",
                        stats.durableWrites(), stats.fsyncs(),
                        stats.fsyncs() == 0 ? 0.0 : (double) stats.durableWrites() / stats.fsyncs());
                engine.close();
            }
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }
}
