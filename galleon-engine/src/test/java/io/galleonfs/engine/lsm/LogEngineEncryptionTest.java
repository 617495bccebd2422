package io.galleonfs.engine.lsm;

import static io.galleonfs.engine.lsm.LsmTestSupport.pattern;
import static io.galleonfs.engine.lsm.LsmTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encrypted volumes on the log store: AES-256-GCM sealed on the writer thread, CRC32C over the ciphertext. */
class LogEngineEncryptionTest {
    private static final int BS = LsmTestSupport.BS;
    private static final byte[] MARKER = "GALLEON-PLAINTEXT-MARKER-18".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path tmp;

    private LogEngine open(String keyFile) throws IOException {
        return LogEngine.open(tmp.resolve("root"), BS, 1L << 20, 1L << 40,
                FileKeyProvider.openOrCreate(tmp.resolve(keyFile)));
    }

    private static byte[] markerBlocks(int blocks) {
        byte[] data = new byte[blocks * BS];
        for (int i = 0; i + MARKER.length <= data.length; i += MARKER.length + 5) {
            System.arraycopy(MARKER, 0, data, i, MARKER.length);
        }
        return data;
    }

    /** The sealed payload (nonce, tag, ciphertext) of a live block. */
    private static byte[] sealed(LogEngine engine, UUID id, String snapshot, long block) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(engine.store().sealedBytes());
        engine.store().readSealed(id, snapshot, block, buf);
        return buf.array();
    }

    @Test
    void plaintextNeverReachesAFile() throws IOException {
        UUID secret = UUID.randomUUID();
        UUID plain = UUID.randomUUID();
        try (LogEngine engine = open("k")) {
            Volume v = engine.create(secret, 64L * BS, true);
            assertTrue(v.encrypted());
            v.write(0, ByteBuffer.wrap(markerBlocks(8)), WriteConcern.DURABLE);
            v.write(20L * BS + 9, ByteBuffer.wrap(markerBlocks(2), 0, 3 * BS / 2), WriteConcern.ACKNOWLEDGED);
            v.createSnapshot("s");
            v.write(0, ByteBuffer.wrap(pattern(1, 4 * BS)), WriteConcern.DURABLE);
            engine.store().clean(1.0);
            assertArrayEquals(markerBlocks(8), readSnapshot(v, "s", 0, 8 * BS));
        }
        assertFalse(anyFileContains(tmp.resolve("root"), MARKER), "no file holds the plaintext");
        try (LogEngine engine = open("k")) {
            Volume v = engine.create(plain, 16L * BS, false);
            v.write(0, ByteBuffer.wrap(markerBlocks(2)), WriteConcern.DURABLE);
        }
        assertTrue(anyFileContains(tmp.resolve("root"), MARKER), "the scan finds plaintext of a plain volume");
    }

    private static byte[] readSnapshot(Volume v, String name, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        v.readSnapshot(name, offset, buf);
        return buf.array();
    }

    private static boolean anyFileContains(Path root, byte[] needle) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                outer:
                for (int i = 0; i + needle.length <= bytes.length; i++) {
                    for (int j = 0; j < needle.length; j++) {
                        if (bytes[i + j] != needle[j]) {
                            continue outer;
                        }
                    }
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void aWrongKeyRefusesTheOpen() throws IOException {
        try (LogEngine engine = open("right")) {
            engine.create(UUID.randomUUID(), 16L * BS, true).write(0, ByteBuffer.wrap(pattern(2, BS)), WriteConcern.DURABLE);
        }
        EngineException e = assertThrows(EngineException.class, () -> open("wrong"));
        assertTrue(e.getMessage().contains("cannot unwrap"), e.getMessage());
        EngineException none = assertThrows(EngineException.class,
                () -> LogEngine.open(tmp.resolve("root"), BS, 1L << 20, 1L << 40, null));
        assertTrue(none.getMessage().contains("no key provider"), none.getMessage());
    }

    @Test
    void tamperedCiphertextOrTagFailsTheRead() throws IOException {
        UUID id = UUID.randomUUID();
        long location;
        long other;
        try (LogEngine engine = open("k")) {
            Volume v = engine.create(id, 16L * BS, true);
            v.write(0, ByteBuffer.wrap(pattern(3, 4 * BS)), WriteConcern.DURABLE);
            location = engine.store().locationOf(id, 1);
            other = engine.store().locationOf(id, 2);
        }
        flipByte(location, LogFormat.RECORD_HEADER + LogFormat.SEALED_PREFIX + 100); // ciphertext: the CRC catches it
        flipByte(other, LogFormat.RECORD_HEADER + 8 + 3);                             // tag: only GCM can
        try (LogEngine engine = open("k")) {
            Volume v = engine.find(id).orElseThrow();
            ChecksumMismatchException bad = assertThrows(ChecksumMismatchException.class, () -> read(v, BS, 10));
            assertEquals(1, bad.block());
            ChecksumMismatchException forged = assertThrows(ChecksumMismatchException.class, () -> read(v, 2L * BS, BS));
            assertEquals(2, forged.block());
            assertArrayEquals(java.util.Arrays.copyOfRange(pattern(3, 4 * BS), 3 * BS, 4 * BS), read(v, 3L * BS, BS));
            // Scrub needs no key: it checks the ciphertext's CRC32C (the tag is the reader's to check).
            assertEquals(List.of(1L), v.verify().badBlocks());
        }
    }

    private void flipByte(long location, int at) throws IOException {
        Path segment = Segment.pathOf(tmp.resolve("root").resolve("store"), LogFormat.segmentOf(location));
        long pos = LogFormat.offsetOf(location) + at;
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, pos);
            one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
            ch.write(one, pos);
        }
    }

    @Test
    void relocationKeepsCiphertextTagAndNonceAndTheDataReadable() throws IOException {
        UUID id = UUID.randomUUID();
        UUID clone = UUID.randomUUID();
        int n = 600;
        byte[] first = pattern(4, n * BS);
        byte[] odd = pattern(5, BS);
        byte[] even = pattern(6, BS);
        byte[] sealedBefore;
        try (LogEngine engine = open("k")) {
            Volume v = engine.create(id, (long) n * BS, true);
            v.write(0, ByteBuffer.wrap(first), WriteConcern.ACKNOWLEDGED);
            for (long b = 1; b < n; b += 2) {
                v.write(b * BS, ByteBuffer.wrap(odd), WriteConcern.ACKNOWLEDGED);
            }
            v.createSnapshot("s");
            for (long b = 0; b < n; b += 2) {
                v.write(b * BS, ByteBuffer.wrap(even), WriteConcern.ACKNOWLEDGED);
            }
            engine.cloneVolume(id, "s", clone);
            sealedBefore = sealed(engine, id, "s", 0);
            long before = engine.store().locationOf(clone, 0);
            CleanResult result = engine.store().clean(0.6);
            assertTrue(result.blocksMoved() >= 200, result.toString());
            assertNotEquals(before, engine.store().locationOf(clone, 0), "the block moved");
            assertArrayEquals(sealedBefore, sealed(engine, id, "s", 0), "nonce, tag and ciphertext moved verbatim");
            checkRelocated(engine, id, clone, n, first, odd, even);
            engine.store().crash();
        }
        try (LogEngine engine = open("k")) {
            checkRelocated(engine, id, clone, n, first, odd, even);
            assertArrayEquals(sealedBefore, sealed(engine, id, "s", 0));
        }
    }

    private static void checkRelocated(LogEngine engine, UUID id, UUID clone, int n, byte[] first, byte[] odd,
                                       byte[] even) throws IOException {
        Volume v = engine.find(id).orElseThrow();
        Volume c = engine.find(clone).orElseThrow();
        assertTrue(c.encrypted(), "a clone of an encrypted volume is encrypted (same key: shared records)");
        byte[] snap = readSnapshot(v, "s", 0, n * BS);
        byte[] ofClone = read(c, 0, n * BS);
        byte[] live = read(v, 0, n * BS);
        for (int b = 0; b < n; b++) {
            byte[] inS = b % 2 == 0 ? java.util.Arrays.copyOfRange(first, b * BS, (b + 1) * BS) : odd;
            assertArrayEquals(inS, java.util.Arrays.copyOfRange(snap, b * BS, (b + 1) * BS), "s, block " + b);
            assertArrayEquals(inS, java.util.Arrays.copyOfRange(ofClone, b * BS, (b + 1) * BS), "clone, block " + b);
            assertArrayEquals(b % 2 == 0 ? even : odd, java.util.Arrays.copyOfRange(live, b * BS, (b + 1) * BS),
                    "live, block " + b);
        }
        assertTrue(v.verify().healthy());
    }

    @Test
    void noNonceRepeatsAcrossRunsEvenWhereTheLogSequenceDoes() throws IOException {
        UUID id = UUID.randomUUID();
        long nonceBefore;
        long torn;
        try (LogEngine engine = open("k")) {
            Volume v = engine.create(id, 16L * BS, true);
            v.write(0, ByteBuffer.wrap(pattern(7, BS)), WriteConcern.DURABLE);
            v.write(BS, ByteBuffer.wrap(pattern(8, BS)), WriteConcern.DURABLE);
            nonceBefore = ByteBuffer.wrap(sealed(engine, id, null, 1)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            torn = engine.store().locationOf(id, 1);
            engine.store().crash();
        }
        // Power loss: the last record never reached the disk, so the next run appends with the same seq.
        Path head = Segment.pathOf(tmp.resolve("root").resolve("store"), LogFormat.segmentOf(torn));
        try (FileChannel ch = FileChannel.open(head, StandardOpenOption.WRITE)) {
            ch.truncate(LogFormat.offsetOf(torn) + 10);
        }
        try (LogEngine engine = open("k")) {
            Volume v = engine.find(id).orElseThrow();
            assertArrayEquals(new byte[BS], read(v, BS, BS), "the torn record is gone");
            v.write(BS, ByteBuffer.wrap(pattern(8, BS)), WriteConcern.DURABLE);
            long nonceAfter = ByteBuffer.wrap(sealed(engine, id, null, 1)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals(nonceBefore & ((1L << 40) - 1), nonceAfter & ((1L << 40) - 1), "the same log seq");
            assertNotEquals(nonceBefore, nonceAfter, "a new epoch: a new nonce for the same key, block and seq");
            assertArrayEquals(pattern(8, BS), read(v, BS, BS));
        }
    }
}
