package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RestoreWritesTest {
    private static final int MIB = 1 << 20;

    /** Keeps every buffer it is handed, as an asynchronously replicated volume may. */
    private static final class Recording implements RestoreSink {
        record Write(long offset, ByteBuffer src, byte[] array) {
        }

        final List<Write> writes = new ArrayList<>();

        @Override
        public long sizeBytes() {
            return 64L * MIB;
        }

        @Override
        public void write(long offset, ByteBuffer src) {
            writes.add(new Write(offset, src, src.array()));
        }

        @Override
        public void flush() {
        }

        List<String> shapes() {
            return writes.stream().map(w -> w.offset() + ":" + w.src().remaining()).toList();
        }

        byte[] bytesAt(long offset, int len) {
            byte[] out = new byte[len];
            for (Write w : writes) {
                ByteBuffer b = w.src().duplicate();
                long from = Math.max(offset, w.offset());
                long to = Math.min(offset + len, w.offset() + b.remaining());
                for (long p = from; p < to; p++) {
                    out[(int) (p - offset)] = b.get(b.position() + (int) (p - w.offset()));
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
    void aWholeChunkIsPassedThroughAndJoinedWritesNeverShareABuffer() throws Exception {
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
        assertNotSame(sink.writes.get(1).array(), sink.writes.get(2).array());
        // the first joined write still holds its bytes after the second one was filled
        assertArrayEquals(a, sink.bytesAt(MIB, 4096));
        assertArrayEquals(b, sink.bytesAt(MIB + 4096, 4096));
        assertArrayEquals(c, sink.bytesAt(3L * MIB, 4096));
    }
}
