package io.galleonfs.node.backup;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.volume.MemoryVolumeIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VolumeSinkTest {
    private static final int MIB = 1 << 20;

    /** A memory volume whose flushes are counted and, while {@link #hold} is closed, block. */
    private static final class GatedVolume implements VolumeIo {
        final MemoryVolumeIo mem = new MemoryVolumeIo(16 * MIB);
        final AtomicInteger flushesStarted = new AtomicInteger();
        final AtomicInteger flushesRunning = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        volatile CountDownLatch hold = new CountDownLatch(0);
        volatile IOException failFlush;

        @Override
        public UUID id() {
            return mem.id();
        }

        @Override
        public String name() {
            return "gated";
        }

        @Override
        public long sizeBytes() {
            return mem.sizeBytes();
        }

        @Override
        public int blockSize() {
            return 4096;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            mem.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
            mem.write(offset, src, concern);
        }

        @Override
        public void flush() throws IOException {
            flushesStarted.incrementAndGet();
            maxRunning.accumulateAndGet(flushesRunning.incrementAndGet(), Math::max);
            try {
                if (!hold.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("test: flush held too long");
                }
                if (failFlush != null) {
                    throw failFlush;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            } finally {
                flushesRunning.decrementAndGet();
            }
        }

        @Override
        public void trim(long offset, long length) {
            mem.trim(offset, length);
        }

        @Override
        public void readSnapshot(String snapshot, long offset, ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }
    }

    private final GatedVolume volume = new GatedVolume();

    @AfterEach
    void release() {
        volume.hold.countDown(); // no flush thread outlives a test
    }

    private static ByteBuffer mib(int fill) {
        byte[] b = new byte[MIB];
        java.util.Arrays.fill(b, (byte) fill);
        return ByteBuffer.wrap(b);
    }

    @Test
    void flushesAheadInTheBackgroundOneAtATimeWhileTheWritesGoOn() throws IOException {
        volume.hold = new CountDownLatch(1);
        VolumeSink sink = new VolumeSink(volume, true, null, 2 * MIB);
        sink.write(0, mib(1));
        assertEquals(0, volume.flushesStarted.get(), "below the mark: no flush yet");
        sink.write(MIB, mib(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> volume.flushesStarted.get() == 1);
        // the flush ahead is blocked: writes still complete, and past the next mark no second flush starts beside it
        for (int i = 2; i < 8; i++) {
            sink.write((long) i * MIB, mib(i + 1));
        }
        assertEquals(1, volume.flushesStarted.get());
        volume.hold.countDown();
        sink.flush();
        assertEquals(1, volume.maxRunning.get(), "never two flushes at once");
        assertTrue(volume.flushesStarted.get() >= 2, "the final flush runs after the one ahead");
        byte[] got = new byte[8 * MIB];
        volume.mem.read(0, ByteBuffer.wrap(got));
        for (int i = 0; i < 8; i++) {
            assertEquals((byte) (i + 1), got[i * MIB]);
            assertEquals((byte) (i + 1), got[i * MIB + MIB - 1]);
        }
    }

    @Test
    void aFailedFlushAheadFailsTheRestore() throws IOException {
        volume.failFlush = new IOException("disk gone");
        VolumeSink sink = new VolumeSink(volume, true, null, MIB);
        sink.write(0, mib(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> volume.flushesStarted.get() == 1 && volume.flushesRunning.get() == 0);
        IOException e = assertThrows(IOException.class, sink::flush);
        assertEquals("disk gone", e.getMessage());
        IOException again = assertThrows(IOException.class, () -> sink.write(MIB, mib(2)));
        assertEquals("disk gone", again.getMessage());
    }

    @Test
    void closeWaitsForARunningFlush() throws Exception {
        volume.hold = new CountDownLatch(1);
        VolumeSink sink = new VolumeSink(volume, true, null, MIB);
        sink.write(0, mib(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> volume.flushesRunning.get() == 1);
        Thread closer = Thread.ofPlatform().start(sink::close);
        closer.join(200);
        assertTrue(closer.isAlive(), "close returned while the flush still ran");
        volume.hold.countDown();
        closer.join(10_000);
        assertFalse(closer.isAlive());
        assertEquals(0, volume.flushesRunning.get());
    }

    @Test
    void withoutFlushAheadOnlyTheFinalFlushRuns() throws IOException {
        VolumeSink sink = new VolumeSink(volume, true, null, 0);
        for (int i = 0; i < 4; i++) {
            sink.write((long) i * MIB, mib(i + 1));
        }
        assertEquals(0, volume.flushesStarted.get());
        sink.flush();
        assertEquals(1, volume.flushesStarted.get());
    }

    @Test
    void zerosAreSkippedOnANewVolumeAndTrimmedInPlace() throws IOException {
        volume.mem.write(0, mib(7), WriteConcern.ACKNOWLEDGED);
        assertTrue(new VolumeSink(volume, true, null).startsZeroed(), "the restore skips zero ranges of a new volume");
        assertFalse(new VolumeSink(volume, false, null).startsZeroed(), "in place they are trimmed");
        new VolumeSink(volume, true, null).writeZeros(0, MIB);
        byte[] got = new byte[MIB];
        volume.mem.read(0, ByteBuffer.wrap(got));
        assertEquals(7, got[0], "a new volume starts as zeros: nothing to write");
        new VolumeSink(volume, false, null).writeZeros(0, MIB);
        volume.mem.read(0, ByteBuffer.wrap(got));
        assertArrayEquals(new byte[MIB], got);
    }
}
