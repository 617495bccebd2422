package io.galleonfs.engine.lsm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The head segment's append buffer: records copied in at their offsets reach the file through whole-block writes, the
 * block holding the end of one flush is written again by the next with the same bytes, and a ring turn never leaves
 * bytes of an earlier turn in the file.
 */
class AppendBufferTest {
    private static final int HEADER = LogFormat.SEGMENT_HEADER;

    @TempDir
    Path dir;

    @Test
    void flushesWriteWholeBlocksHoldingExactlyTheRecordsAndZerosAfterThem() throws IOException {
        Path file = segmentFile();
        SplittableRandom random = new SplittableRandom(7);
        byte[] expected = new byte[60 * 4 * 4260 + HEADER];
        System.arraycopy(header().array(), 0, expected, 0, HEADER);
        long end = HEADER;
        try (AppendBuffer buffer = new AppendBuffer(file, 64 * 1024, header())) {
            for (int i = 0; i < 60; i++) {
                int records = 1 + random.nextInt(4);
                long batchStart = end;
                for (int r = 0; r < records; r++) {
                    byte[] record = new byte[60 + random.nextInt(4200)];
                    random.nextBytes(record);
                    record[0] = (byte) (record[0] | 1); // never an all-zero record: zeros are what follows the end
                    assertTrue(buffer.fits(end + record.length), "the ring has room for the next record");
                    buffer.put(end, MemorySegment.ofArray(record));
                    System.arraycopy(record, 0, expected, (int) end, record.length);
                    end += record.length;
                }
                // Batches and lone writes (queue depth 1: exact bytes through the page cache) mixed.
                boolean lone = random.nextInt(3) == 0;
                buffer.flush(end, lone);
                assertEquals(end, buffer.flushed());
                byte[] onDisk = Files.readAllBytes(file);
                if (!lone || end - batchStart > AppendBuffer.LONE_MAX) {
                    assertEquals(0, onDisk.length % AppendBuffer.ALIGN, "whole blocks only");
                    assertEquals(AppendBuffer.alignUp(end), onDisk.length, "the file ends at the block after the records");
                }
                assertArrayEquals(Arrays.copyOf(expected, (int) end), Arrays.copyOf(onDisk, (int) end),
                        "flush " + i + ": the records, byte for byte");
                assertArrayEquals(new byte[(int) (onDisk.length - end)],
                        Arrays.copyOfRange(onDisk, (int) end, onDisk.length), "zeros after the last record");
            }
            assertTrue(end > 3 * 64 * 1024, "the ring turned several times: " + end);
        }
    }

    /** A record still being copied when a flush runs can reach the file torn; the next flush completes it. */
    @Test
    void theTailBlockIsWrittenAgainWithTheSameBytesForTheRecordsItAlreadyHeld() throws IOException {
        Path file = segmentFile();
        byte[] first = filled(1000, (byte) 1);
        byte[] second = filled(5000, (byte) 2);
        try (AppendBuffer buffer = new AppendBuffer(file, 16 * 1024, header())) {
            buffer.put(HEADER, MemorySegment.ofArray(first));
            long secondAt = HEADER + first.length;
            // The second record's appender has copied its first 700 bytes when the first record's flush runs.
            buffer.put(secondAt, MemorySegment.ofArray(Arrays.copyOf(second, 700)));
            buffer.flush(secondAt, false);
            byte[] onDisk = Files.readAllBytes(file);
            assertArrayEquals(first, Arrays.copyOfRange(onDisk, HEADER, (int) secondAt));
            assertArrayEquals(Arrays.copyOf(second, 700), Arrays.copyOfRange(onDisk, (int) secondAt, (int) secondAt + 700),
                    "a torn later record in the tail block (never applied, so recovery may cut it)");
            buffer.put(secondAt, MemorySegment.ofArray(second));
            buffer.flush(secondAt + second.length, false);
            onDisk = Files.readAllBytes(file);
            assertArrayEquals(header().array(), Arrays.copyOf(onDisk, HEADER), "block 0 was rewritten with the header");
            assertArrayEquals(first, Arrays.copyOfRange(onDisk, HEADER, (int) secondAt), "unchanged by the rewrite");
            assertArrayEquals(second, Arrays.copyOfRange(onDisk, (int) secondAt, (int) secondAt + second.length));
        }
    }

    @Test
    void aRecordIsRefusedRoomUntilTheBytesItsRingSpaceHeldAreFlushed() throws IOException {
        try (AppendBuffer buffer = new AppendBuffer(segmentFile(), 8192, header())) {
            assertTrue(buffer.fits(8192));
            assertFalse(buffer.fits(8193), "past one ring from the start of the unflushed block");
            buffer.put(HEADER, MemorySegment.ofArray(filled(5000, (byte) 3)));
            buffer.flush(HEADER + 5000, false);
            assertTrue(buffer.fits(4096 + 8192), "the flushed first block is free again");
            assertFalse(buffer.fits(4096 + 8192 + 1), "the block holding the end is written again: still held");
        }
    }

    @Test
    void theCapacityIsAPowerOfTwoWithRoomForSeveralRecords() {
        assertEquals(8 << 20, AppendBuffer.capacityFor(64L << 20, 4156), "8 MiB for default segments");
        assertEquals(1 << 20, AppendBuffer.capacityFor(1L << 20, 4156));
        assertEquals(65536, AppendBuffer.capacityFor(10_000, 4156), "four records and their blocks at least");
        assertThrows(IllegalArgumentException.class, () -> new AppendBuffer(dir.resolve("x"), 12288, header()));
    }

    private Path segmentFile() throws IOException {
        Path file = dir.resolve("segment");
        Files.write(file, header().array());
        return file;
    }

    private static ByteBuffer header() {
        return LogFormat.segmentHeader(1, 4096);
    }

    private static byte[] filled(int length, byte value) {
        byte[] b = new byte[length];
        Arrays.fill(b, value);
        return b;
    }
}
