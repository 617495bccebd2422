package io.galleonfs.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** The raw baseline of the 4 KiB benchmarks: one sparse 1 GiB file on the same file system as the engine's. */
@State(Scope.Benchmark)
public class SparseRawFile {
    static final long SIZE = BenchSupport.GIB;

    Path dir;
    FileChannel channel;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        dir = BenchSupport.newScratchDir("raw");
        channel = BenchSupport.sparseFile(dir.resolve("raw.data"), SIZE);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            if (channel != null) {
                channel.close();
            }
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }
}
