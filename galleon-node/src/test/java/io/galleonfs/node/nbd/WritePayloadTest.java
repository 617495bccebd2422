package io.galleonfs.node.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WritePayloadTest {

    /** What the export was handed: (offset, bytes) per write, in order. */
    private record Write(long offset, byte[] bytes) {
    }

    private static final class RecordingExport implements NbdExport {
        final List<Write> writes = new ArrayList<>();

        @Override
        public String name() {
            return "payload";
        }

        @Override
        public long size() {
            return 1L << 30;
        }

        @Override
        public int blockSize() {
            return 4096;
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
            throw new UnsupportedOperationException("not read here");
        }

        @Override
        public void write(long offset, ByteBuffer src) {
            byte[] b = new byte[src.remaining()];
            src.get(b);
            writes.add(new Write(offset, b));
        }

        @Override
        public void flush() {
        }

        @Override
        public void trim(long offset, long length) {
        }
    }

    /** Feeds {@code data} in pieces of {@code piece} bytes, allocating chunks as the session does. */
    private static WritePayload receive(byte[] data, int piece) {
        WritePayload p = new WritePayload(data.length);
        for (int at = 0; at < data.length; ) {
            if (p.needsChunk()) {
                p.addChunk();
            }
            ByteBuffer in = ByteBuffer.wrap(data, at, Math.min(piece, data.length - at));
            int before = in.remaining();
            p.fill(in);
            at += before - in.remaining();
        }
        return p;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aSmallWriteIsOneChunkHandedOverWhole() throws Exception {
        byte[] data = random(4096, 1);
        WritePayload p = receive(data, 1000);
        assertTrue(p.complete());
        assertEquals(4096, p.reserved());
        assertArrayEquals(data, p.single());
        RecordingExport e = new RecordingExport();
        p.writeTo(e, 8192);
        assertEquals(1, e.writes.size());
        assertEquals(8192, e.writes.getFirst().offset());
        assertArrayEquals(data, e.writes.getFirst().bytes());
    }

    @Test
    void aWriteLargerThanAChunkReachesTheExportAsConsecutiveChunks() throws Exception {
        int length = 2 * WritePayload.CHUNK + 12_288;
        byte[] data = random(length, 2);
        WritePayload p = receive(data, 65_536 + 7); // pieces that straddle chunk boundaries
        assertTrue(p.complete());
        assertNull(p.single(), "several chunks are never handed over as one array");
        RecordingExport e = new RecordingExport();
        p.writeTo(e, 1L << 20);
        assertEquals(3, e.writes.size());
        long expectedOffset = 1L << 20;
        int from = 0;
        for (Write w : e.writes) {
            assertEquals(expectedOffset, w.offset());
            byte[] expected = java.util.Arrays.copyOfRange(data, from, from + w.bytes().length);
            assertArrayEquals(expected, w.bytes());
            expectedOffset += w.bytes().length;
            from += w.bytes().length;
        }
        assertEquals(length, from);
        assertEquals(12_288, e.writes.getLast().bytes().length);
    }

    @Test
    void chunksAreAllocatedOnlyAsBytesArrive() {
        WritePayload p = new WritePayload(WritePayload.CHUNK + 4096L);
        assertTrue(p.needsChunk());
        assertEquals(WritePayload.CHUNK, p.nextChunkSize());
        p.addChunk();
        assertFalse(p.needsChunk());
        p.fill(ByteBuffer.wrap(new byte[WritePayload.CHUNK]));
        assertTrue(p.needsChunk(), "the first chunk is full");
        assertEquals(4096, p.nextChunkSize());
        assertEquals(WritePayload.CHUNK, p.reserved());
        assertFalse(p.complete());
    }

    @Test
    void anEmptyPayloadWritesNothing() throws Exception {
        WritePayload p = new WritePayload(0);
        assertTrue(p.complete());
        assertFalse(p.needsChunk());
        RecordingExport e = new RecordingExport();
        p.writeTo(e, 0);
        assertTrue(e.writes.isEmpty());
        assertSame(null, p.single());
    }
}
