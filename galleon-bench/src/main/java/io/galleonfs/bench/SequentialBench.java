package io.galleonfs.bench;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.KeyProvider;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sequential 1 MiB writes and reads, plain vs encrypted volume, with raw {@link FileChannel} baselines.
 * Every operation moves exactly 1 MiB, so the reported score in ops/s <b>is</b> MiB/s.
 *
 * <p>Each state pre-writes {@value #DATA_MIB} MiB (the whole volume / file) in its setup; writes then
 * overwrite it sequentially and reads read it sequentially, both wrapping around at the end. Engine writes
 * are {@link WriteConcern#ACKNOWLEDGED}: the score is the sustained rate the journal thread can commit and
 * apply (back-pressure holds writers once 64 MiB are unapplied). The data set fits in the page cache, so
 * reads measure the CPU path (checksums, decryption, lookups), not the disk.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsPrepend = {"-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class SequentialBench {
    static final int CHUNK = (int) BenchSupport.MIB;
    static final int DATA_MIB = 256;
    static final long DATA = DATA_MIB * BenchSupport.MIB;

    /** Sequential cursor over the data set, shared by all threads of a state (one by default). */
    abstract static class Cursor {
        private final AtomicLong next = new AtomicLong();

        long nextOffset() {
            return next.getAndAdd(CHUNK) % DATA;
        }
    }

    abstract static class VolumeState extends Cursor {
        Path dir;
        BlockEngine engine;
        Volume volume;

        void open(String name, boolean encrypted) throws IOException {
            dir = BenchSupport.newScratchDir(name);
            KeyProvider keys = encrypted ? FileKeyProvider.openOrCreate(dir.resolve("master.key")) : null;
            engine = BenchSupport.openEngine(dir.resolve("engine"), keys);
            volume = engine.create(UUID.randomUUID(), DATA, encrypted);
            ByteBuffer chunk = BenchSupport.randomDirect(CHUNK, 0x5E0L);
            for (long off = 0; off < DATA; off += CHUNK) {
                volume.write(off, chunk.clear(), WriteConcern.ACKNOWLEDGED);
            }
            volume.flush();
            ByteBuffer check = ByteBuffer.allocateDirect(CHUNK);
            volume.read(DATA - CHUNK, check);
            if (!check.flip().equals(chunk.clear())) {
                throw new IllegalStateException("pre-written data reads back differently from " + volume.id());
            }
        }

        void close() throws IOException {
            try {
                if (engine != null) {
                    engine.close();
                }
            } finally {
                BenchSupport.deleteTree(dir);
            }
        }
    }

    @State(Scope.Benchmark)
    public static class PlainVolume extends VolumeState {
        @Setup(Level.Trial)
        public void setup() throws IOException {
            open("seq-plain", false);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            close();
        }
    }

    @State(Scope.Benchmark)
    public static class EncryptedVolume extends VolumeState {
        @Setup(Level.Trial)
        public void setup() throws IOException {
            open("seq-encrypted", true);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            close();
        }
    }

    @State(Scope.Benchmark)
    public static class RawFile extends Cursor {
        Path dir;
        FileChannel channel;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            dir = BenchSupport.newScratchDir("seq-raw");
            channel = BenchSupport.sparseFile(dir.resolve("raw.data"), DATA);
            ByteBuffer chunk = BenchSupport.randomDirect(CHUNK, 0x5E0L);
            for (long off = 0; off < DATA; off += CHUNK) {
                BenchSupport.writeFully(channel, chunk.clear(), off);
            }
            channel.force(false);
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

    /** Per thread: 1 MiB of random bytes to write and a 1 MiB buffer to read into (both direct). */
    @State(Scope.Thread)
    public static class Buffers {
        ByteBuffer source;
        ByteBuffer target;

        @Setup(Level.Trial)
        public void setup() {
            source = BenchSupport.randomDirect(CHUNK, 0xC4A2L);
            target = ByteBuffer.allocateDirect(CHUNK);
        }
    }

    @Benchmark
    public void writePlain(PlainVolume state, Buffers buffers) throws IOException {
        state.volume.write(state.nextOffset(), buffers.source.clear(), WriteConcern.ACKNOWLEDGED);
    }

    @Benchmark
    public void writeEncrypted(EncryptedVolume state, Buffers buffers) throws IOException {
        state.volume.write(state.nextOffset(), buffers.source.clear(), WriteConcern.ACKNOWLEDGED);
    }

    @Benchmark
    public ByteBuffer readPlain(PlainVolume state, Buffers buffers) throws IOException {
        ByteBuffer dst = buffers.target.clear();
        state.volume.read(state.nextOffset(), dst);
        return dst;
    }

    @Benchmark
    public ByteBuffer readEncrypted(EncryptedVolume state, Buffers buffers) throws IOException {
        ByteBuffer dst = buffers.target.clear();
        state.volume.read(state.nextOffset(), dst);
        return dst;
    }

    @Benchmark
    public void rawWrite(RawFile state, Buffers buffers) throws IOException {
        BenchSupport.writeFully(state.channel, buffers.source.clear(), state.nextOffset());
    }

    @Benchmark
    public ByteBuffer rawRead(RawFile state, Buffers buffers) throws IOException {
        ByteBuffer dst = buffers.target.clear();
        BenchSupport.readFully(state.channel, dst, state.nextOffset());
        return dst;
    }
}
