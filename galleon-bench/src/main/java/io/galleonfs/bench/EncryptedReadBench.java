package io.galleonfs.bench;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
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
 * 4 KiB random reads of an encrypted volume holding 64 MiB, all inside a hot set of {@value #HOT_MIB} MiB (a database's
 * working set), with the engine's cache of decrypted blocks off ({@code readCacheMiB=0}, the baseline) or at its default
 * 32 MiB. The stored bytes are in the page cache either way, so the difference is what a hit saves: the read call, the
 * CRC32C check and the AES-GCM decryption. Compare the two rows; the hit ratio is printed at tear-down.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsPrepend = {"-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@State(Scope.Benchmark)
public class EncryptedReadBench {
    static final long DATA = 64 * BenchSupport.MIB;
    static final int HOT_MIB = 16;
    static final long HOT_BLOCKS = HOT_MIB * BenchSupport.MIB / BenchSupport.BLOCK;

    @Param({"0", "32"})
    public int readCacheMiB;

    Path dir;
    BlockEngine engine;
    Volume volume;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        dir = BenchSupport.newScratchDir("enc-read-" + readCacheMiB);
        EngineConfig config = EngineConfig.defaults(dir.resolve("engine"), BenchSupport.BLOCK,
                FileKeyProvider.openOrCreate(dir.resolve("master.key"))).withReadCache(readCacheMiB * BenchSupport.MIB);
        engine = BlockEngine.open(config);
        volume = engine.create(UUID.randomUUID(), DATA, true);
        ByteBuffer chunk = BenchSupport.randomDirect((int) BenchSupport.MIB, 0xE5CL);
        for (long off = 0; off < DATA; off += chunk.capacity()) {
            volume.write(off, chunk.clear(), WriteConcern.ACKNOWLEDGED);
        }
        volume.flush();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            if (volume != null) {
                System.out.printf("%nread cache %d MiB: %s, hit ratio %.3f%n", readCacheMiB, volume.readCacheStats(),
                        volume.readCacheStats().hitRatio());
            }
            if (engine != null) {
                engine.close();
            }
        } finally {
            BenchSupport.deleteTree(dir);
        }
    }

    /** Per thread: a 4 KiB read buffer and an offset generator over the hot set. */
    @State(Scope.Thread)
    public static class Reader {
        final ByteBuffer target = ByteBuffer.allocateDirect(BenchSupport.BLOCK);
        final SplittableRandom random = new SplittableRandom();

        long nextOffset() {
            return random.nextLong(HOT_BLOCKS) * BenchSupport.BLOCK;
        }
    }

    @Benchmark
    public ByteBuffer randomRead(Reader reader) throws IOException {
        ByteBuffer dst = reader.target.clear();
        volume.read(reader.nextOffset(), dst);
        return dst;
    }
}
