package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class RestoreWritesTest {
    private static final int MIB = 1 << 20;

    /** Records every write: the buffer it came in (identity only) and a copy of its bytes, as a sink must take. */
    private static class Recording implements RestoreSink {
        record Write(long offset, byte[] bytes, byte[] array) {
        }

        final List<Write> writes = new ArrayList<>();

        @Override
        public long sizeBytes() {
            return 64L * MIB;
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            byte[] copy = new byte[src.remaining()];
            src.duplicate().get(copy);
            writes.add(new Write(offset, copy, src.array()));
        }

        @Override
        public void flush() {
        }

        List<String> shapes() {
            return writes.stream().map(w -> w.offset() + ":" + w.bytes().length).toList();
        }

        byte[] bytesAt(long offset, int len) {
            byte[] out = new byte[len];
            for (Write w : writes) {
                long from = Math.max(offset, w.offset());
                long to = Math.min(offset + len, w.offset() + w.bytes().length);
                for (long p = from; p < to; p++) {
                    out[(int) (p - offset)] = w.bytes()[(int) (p - w.offset())];
                }
            }
            return out;
        }
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    @Test
    void anIncrementalsAlternatingPiecesBecomeOneWritePerMebibyte() throws Exception {
        Random rnd = new Random(7);
        Recording sink = new Recording();
        RestoreWrites writes = new RestoreWrites(sink);
        byte[] expected = new byte[2 * MIB];
        long off = 0;
        // pieces of a parent chunk alternating with changed 4 KiB blocks, over two windows
        while (off < 2 * MIB) {
            int len = (int) Math.min(rnd.nextBoolean() ? 4096 : 4096 * (1 + rnd.nextInt(40)), 2 * MIB - off);
            len = (int) Math.min(len, MIB - off % MIB); // extents never cross a window, like chunks
            byte[] src = random(rnd, len + 100);
            writes.add(off, src, 50, len);
            System.arraycopy(src, 50, expected, (int) off, len);
            off += len;
        }
        writes.flush();

        assertEquals(List.of("0:" + MIB, MIB + ":" + MIB), sink.shapes());
        assertArrayEquals(expected, sink.bytesAt(0, 2 * MIB));
        assertEquals(2, writes.writes());
    }

    @Test
    void aGapOrAWindowBoundaryEndsAWrite() throws Exception {
        Random rnd = new Random(8);
        Recording sink = new Recording();
        RestoreWrites writes = new RestoreWrites(sink);
        writes.add(0, random(rnd, 8192), 0, 8192);
        writes.add(8192, random(rnd, 4096), 0, 4096);
        writes.add(16384, random(rnd, 4096), 0, 4096);          // a gap before it: a new write
        writes.add(MIB - 4096, random(rnd, 4096), 0, 4096);      // not adjacent either; ends the window
        writes.add(MIB, random(rnd, 4096), 0, 4096);             // next window
        writes.flush();
        writes.flush();                                          // nothing left: no empty write

        assertEquals(List.of("0:12288", "16384:4096", (MIB - 4096) + ":4096", MIB + ":4096"), sink.shapes());
    }

    @Test
    void aWholeChunkIsPassedThroughAndAJoinBufferIsReusedOnceItsWriteReturned() throws Exception {
        Random rnd = new Random(9);
        Recording sink = new Recording();
        RestoreWrites writes = new RestoreWrites(sink);
        byte[] whole = random(rnd, MIB);
        writes.add(0, whole, 0, MIB);
        byte[] a = random(rnd, 4096);
        byte[] b = random(rnd, 4096);
        writes.add(MIB, a, 0, 4096);
        writes.add(MIB + 4096, b, 0, 4096);
        writes.flush();
        byte[] c = random(rnd, 4096);
        writes.add(3L * MIB, c, 0, 4096);
        writes.add(3L * MIB + 4096, random(rnd, 4096), 0, 4096);
        writes.flush();

        assertSame(whole, sink.writes.get(0).array());
        assertSame(sink.writes.get(1).array(), sink.writes.get(2).array());
        // each write carried its own bytes although the second filled the buffer of the first
        assertArrayEquals(a, sink.bytesAt(MIB, 4096));
        assertArrayEquals(b, sink.bytesAt(MIB + 4096, 4096));
        assertArrayEquals(c, sink.bytesAt(3L * MIB, 4096));
    }

    @Test
    void atMostMaxPendingWritesRunAtOnceAndDrainWaitsForAll() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger running = new AtomicInteger();
            AtomicInteger most = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            RestoreSink slow = new Recording() {
                @Override
                public void write(long offset, ByteBuffer src) {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    running.decrementAndGet();
                    done.incrementAndGet();
                }
            };
            RestoreWrites writes = new RestoreWrites(slow, pool, 2);
            AtomicInteger added = new AtomicInteger();
            CompletableFuture<Void> adder = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 4; i++) {
                        writes.add((long) i * MIB, new byte[MIB], 0, MIB);
                        added.incrementAndGet();
                    }
                    writes.drain();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> running.get() == 2);
            // two writes run, the third add waits for a slot
            assertEquals(2, added.get());
            release.countDown();
            adder.get(30, TimeUnit.SECONDS);
            assertEquals(4, done.get(), "drain returned after every write");
            assertEquals(2, most.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedWriteIsReportedByTheNextCall() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            RestoreSink failing = new Recording() {
                @Override
                public void write(long offset, ByteBuffer src) throws IOException {
                    if (offset == MIB) {
                        throw new IOException("volume went read-only");
                    }
                }
            };
            RestoreWrites writes = new RestoreWrites(failing, pool, 2);
            writes.add(0, new byte[MIB], 0, MIB);
            writes.add(MIB, new byte[MIB], 0, MIB);
            IOException e = assertThrows(IOException.class, writes::drain);
            assertEquals("volume went read-only", e.getMessage());
            writes.drainQuietly();
        } finally {
            pool.shutdownNow();
        }
    }

    /** The restore gives a chunk's buffer back when {@code done} runs: never while a write may still read it. */
    @Test
    void doneRunsOnceTheSourceIsNoLongerRead() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger writing = new AtomicInteger();
        RestoreSink slow = new Recording() {
            @Override
            public void write(long offset, ByteBuffer src) throws IOException {
                writing.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                synchronized (this) { // two writes may run at once here
                    super.write(offset, src);
                }
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            RestoreWrites w = new RestoreWrites(slow, pool, 2);
            AtomicInteger whole = new AtomicInteger();
            AtomicInteger piece = new AtomicInteger();
            w.add(0, new byte[MIB], 0, MIB, whole::incrementAndGet);        // passed through: read by the sink
            w.add(MIB, new byte[4096], 0, 4096, piece::incrementAndGet);    // copied into a join buffer at once
            assertEquals(1, piece.get(), "a joined piece is free as soon as it was copied");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> writing.get() == 1);
            assertEquals(0, whole.get(), "a passed-through chunk is not free while its write runs");
            release.countDown();
            w.flush();
            w.drain();
            assertEquals(1, whole.get());
            assertEquals(1, piece.get());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
