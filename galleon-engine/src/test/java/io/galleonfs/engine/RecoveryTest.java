package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.assertContent;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.readSnapshot;
import static io.galleonfs.engine.TestSupport.write;
import static io.galleonfs.engine.TestSupport.writeDurable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryTest {
    @TempDir
    Path tmp;

    @Test
    void durableWritesAreReplayedAfterUncleanStop() throws Exception {
        Path root = tmp.resolve("root");
        UUID plain = UUID.randomUUID();
        UUID secret = UUID.randomUUID();
        byte[] model = new byte[256 * BS];
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume p = engine.create(plain, model.length, false);
            Volume s = engine.create(secret, model.length, true);
            for (int i = 0; i < 100; i++) {
                long offset = (long) (i * 37 % 250) * BS + (i % 3 == 0 ? 100 : 0);
                byte[] data = pattern(i, BS + (i % 5) * 7);
                writeDurable(p, offset, data);
                writeDurable(s, offset, data);
                System.arraycopy(data, 0, model, (int) offset, data.length);
            }
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            assertTrue(engine.recoveredRecords() >= 200, "recovered " + engine.recoveredRecords());
            assertArrayEquals(model, TestSupport.read(engine.find(plain).orElseThrow(), 0, model.length));
            assertArrayEquals(model, TestSupport.read(engine.find(secret).orElseThrow(), 0, model.length));
            assertTrue(engine.find(plain).orElseThrow().verify().healthy());
        }
        // Recovery checkpointed: the next open has nothing to replay.
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            assertEquals(0, engine.recoveredRecords());
            assertArrayEquals(model, TestSupport.read(engine.find(secret).orElseThrow(), 0, model.length));
        }
    }

    @Test
    void tornJournalTailIsIgnored() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        byte[] data = pattern(7, 8 * BS);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, 64L * BS, false);
            writeDurable(v, 0, data);
            engine.abandonForTest();
        }
        Path journal;
        try (Stream<Path> files = Files.list(root.resolve("journal"))) {
            journal = files.findFirst().orElseThrow();
        }
        long validSize = Files.size(journal);
        // A torn record: plausible header, body cut short; then garbage.
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer[] record = JournalCodec.encode(JournalCodec.WRITE, id, 1, 3, 99, 0, null, ByteBuffer.wrap(pattern(8, BS)));
            ByteBuffer torn = ByteBuffer.allocate(JournalCodec.HEADER_BYTES + 100);
            torn.put(record[0].duplicate()).put(record[1].duplicate().limit(100)).flip();
            ch.write(torn);
            ch.write(ByteBuffer.wrap(pattern(9, 5000)));
        }
        assertTrue(Files.size(journal) > validSize);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            assertEquals(8, engine.recoveredRecords());
            Volume v = engine.find(id).orElseThrow();
            assertContent(data, v, 0);
            assertArrayEquals(new byte[BS], TestSupport.read(v, 8L * BS, BS));
        }
    }

    @Test
    void corruptedRecordInTheMiddleEndsReplay() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, 64L * BS, false);
            for (int i = 0; i < 4; i++) {
                writeDurable(v, (long) i * BS, pattern(i, BS));
            }
            engine.abandonForTest();
        }
        Path journal;
        try (Stream<Path> files = Files.list(root.resolve("journal"))) {
            journal = files.findFirst().orElseThrow();
        }
        int recordBytes = JournalCodec.HEADER_BYTES + BS + JournalCodec.TRAILER_BYTES;
        long thirdRecordPayload = JournalFile.HEADER_BYTES + 2L * recordBytes + JournalCodec.HEADER_BYTES + 10;
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{(byte) 0xFF}), thirdRecordPayload);
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            assertEquals(2, engine.recoveredRecords());
            Volume v = engine.find(id).orElseThrow();
            assertContent(pattern(1, BS), v, BS);
        }
    }

    @Test
    void checkpointsRotateTheJournalAndKeepItBounded() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        byte[] model = new byte[512 * BS];
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root, BS, 256 << 10))) {
            Volume v = engine.create(id, model.length, true);
            for (int i = 0; i < 600; i++) {
                long offset = (long) (i * 101 % 500) * BS + (i % 2) * 333;
                byte[] data = pattern(i, BS);
                write(v, offset, data);
                System.arraycopy(data, 0, model, (int) offset, data.length);
                if (i % 50 == 0) {
                    v.flush();
                }
            }
            v.flush();
            assertTrue(engine.stats().journalBytes() < (256 << 10) + 64 * (BS + 100),
                    "journal " + engine.stats().journalBytes());
            // The checkpoint that retires an old journal file may still be finishing after the flush returned.
            org.awaitility.Awaitility.await("old journal files removed").atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> journalFiles(root) == 1);
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root, BS, 256 << 10))) {
            assertTrue(engine.recoveredRecords() < 600, "replayed " + engine.recoveredRecords());
            assertArrayEquals(model, TestSupport.read(engine.find(id).orElseThrow(), 0, model.length));
        }
    }

    @Test
    void flushMakesAcknowledgedWritesDurable() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        byte[] data = pattern(11, 20 * BS + 5);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, 64L * BS, false);
            write(v, 3, data);
            v.flush();
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            assertContent(data, engine.find(id).orElseThrow(), 3);
        }
    }

    @Test
    void structuralChangesSurviveUncleanStop() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        byte[] a = pattern(21, 4 * BS);
        byte[] b = pattern(22, 4 * BS);
        byte[] c = pattern(23, 2 * BS);
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, 32L * BS, true);
            writeDurable(v, 0, a);
            v.createSnapshot("a");
            writeDurable(v, 0, b);
            v.createSnapshot("b");
            v.restore("a");
            writeDurable(v, BS, c);
            v.expand(64L * BS);
            writeDurable(v, 60L * BS, c);
            v.trim(2L * BS, 2L * BS);
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.find(id).orElseThrow();
            assertEquals(64L * BS, v.sizeBytes());
            assertEquals(List.of("a", "b"), v.snapshots().stream().map(SnapshotInfo::name).toList());
            assertArrayEquals(a, readSnapshot(v, "a", 0, a.length));
            assertArrayEquals(b, readSnapshot(v, "b", 0, b.length));
            byte[] live = a.clone();
            System.arraycopy(c, 0, live, BS, BS);
            java.util.Arrays.fill(live, 2 * BS, 4 * BS, (byte) 0);
            assertContent(live, v, 0);
            assertContent(c, v, 60L * BS);
            assertTrue(v.verify().healthy());
        }
    }

    @Test
    void sequenceReservationsAreNeverReused() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        Path meta = root.resolve("volumes").resolve(id.toString()).resolve(VolumeDescriptorCodec.FILE_NAME);
        long first;
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            Volume v = engine.create(id, 16L * BS, true);
            writeDurable(v, 0, pattern(1, BS));
            first = VolumeDescriptorCodec.read(meta).seqReserved();
            assertTrue(first >= 1);
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(TestSupport.config(root))) {
            writeDurable(engine.find(id).orElseThrow(), BS, pattern(2, BS));
            long second = VolumeDescriptorCodec.read(meta).seqReserved();
            assertTrue(second >= first + VolumeMetadata.SEQ_RESERVATION, first + " -> " + second);
        }
    }

    @Test
    void operationsAfterCloseFail() throws Exception {
        LayerEngine engine = LayerEngine.open(TestSupport.config(tmp.resolve("root")));
        Volume v = engine.create(UUID.randomUUID(), 16L * BS, false);
        engine.close();
        engine.close();
        assertThrows(EngineException.class, () -> write(v, 0, new byte[10]));
        assertThrows(EngineException.class, () -> TestSupport.read(v, 0, 10));
        assertThrows(EngineException.class, () -> engine.create(UUID.randomUUID(), BS, false));
    }

    private static long journalFiles(Path root) throws java.io.IOException {
        try (Stream<Path> files = Files.list(root.resolve("journal"))) {
            return files.count();
        }
    }
}
