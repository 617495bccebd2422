package io.galleonfs.engine;

import static io.galleonfs.engine.TestSupport.BS;
import static io.galleonfs.engine.TestSupport.assertContent;
import static io.galleonfs.engine.TestSupport.pattern;
import static io.galleonfs.engine.TestSupport.write;
import static io.galleonfs.engine.TestSupport.writeDurable;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Out of space is a recoverable condition: refused writes are never acknowledged, the engine resumes by itself. */
class OutOfSpaceTest {
    private static final long RESERVE = 8L << 20;

    @TempDir
    Path tmp;

    /** Free space the test controls; the engine's only view of the device. */
    private final AtomicLong free = new AtomicLong(1L << 30);

    private EngineConfig config(Path root) throws IOException {
        return TestSupport.config(root).withReserve(RESERVE).withFreeSpace(free::get);
    }

    /** Appends part of the batch, then fails like a full device, while {@code full} is set. */
    private static DiskFaults fullJournal(AtomicBoolean full, AtomicInteger failures) {
        return new DiskFaults() {
            @Override
            public void beforeJournalAppend(JournalFile journal, ByteBuffer data) throws IOException {
                if (full.get()) {
                    failures.incrementAndGet();
                    journal.append(data.slice(data.position(), Math.min(data.remaining(), 1000)));
                    throw new IOException("No space left on device");
                }
            }
        };
    }

    @Test
    void writesAreRefusedBeforeTheReserveAndResumeWhenSpaceReturns() throws Exception {
        try (LayerEngine engine = LayerEngine.open(config(tmp.resolve("root")))) {
            Volume a = engine.create(UUID.randomUUID(), 64 * BS, false);
            Volume b = engine.create(UUID.randomUUID(), 64 * BS, false);
            byte[] first = pattern(1, 4 * BS);
            writeDurable(a, 0, first);

            // A 4-block write needs 2 x 16 KiB (journal + layer): refused when that would cut into the reserve,
            // part of which the reserve file holds (the file system counts it as used).
            long held = engine.space().reserveFileBytes();
            assertEquals(RESERVE / 2, held);
            free.set(RESERVE - held + 2 * 4 * BS - 1);
            engine.space(); // takes a fresh sample now rather than within the engine's 2 ms sampling window
            OutOfSpaceException refused = assertThrows(OutOfSpaceException.class,
                    () -> writeDurable(a, 0, pattern(2, 4 * BS)));
            assertTrue(refused.getMessage().contains("reserved"), refused.getMessage());
            assertThrows(OutOfSpaceException.class, () -> write(b, 0, pattern(3, 4 * BS)));
            assertContent(first, a, 0); // nothing of the refused write is visible
            assertFalse(engine.space().writesRefused(), "admission refuses; the engine itself is not stalled");

            free.set(1L << 30);
            engine.space();
            byte[] second = pattern(4, 4 * BS);
            writeDurable(a, 0, second);
            writeDurable(b, 0, second);
            assertContent(second, a, 0);
            assertContent(second, b, 0);
        }
    }

    @Test
    void aFullJournalFailsTheBatchStallsAndRecoversWithoutLosingAcknowledgedWrites() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        UUID otherId = UUID.randomUUID();
        AtomicBoolean full = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        byte[] acked = pattern(10, 8 * BS);
        byte[] after = pattern(12, 8 * BS);
        try (LayerEngine engine = LayerEngine.open(config(root))) {
            Volume v = engine.create(id, 64 * BS, false);
            Volume other = engine.create(otherId, 64 * BS, false);
            engine.injectFaults(fullJournal(full, failures));
            writeDurable(v, 0, acked);

            full.set(true);
            byte[] failed = pattern(11, 8 * BS);
            OutOfSpaceException e = assertThrows(OutOfSpaceException.class, () -> writeDurable(v, 16 * BS, failed));
            assertFalse(e.getMessage().contains("java.io"), e.getMessage());
            assertTrue(failures.get() >= 1);
            assertTrue(engine.space().writesRefused());
            // Every volume is refused while the journal waits for room; reads go on.
            assertThrows(OutOfSpaceException.class, () -> write(other, 0, pattern(13, BS)));
            assertThrows(OutOfSpaceException.class, v::flush);
            assertContent(acked, v, 0);

            full.set(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> !engine.space().writesRefused());
            writeDurable(v, 32 * BS, after);
            writeDurable(other, 0, after);
            // The failed write was retried from memory: failed to its caller, but it may land, like on a disk.
            assertContent(failed, v, 16 * BS);
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(config(root))) {
            Volume v = engine.find(id).orElseThrow();
            assertContent(acked, v, 0);
            assertContent(after, v, 32 * BS);
            assertContent(after, engine.find(otherId).orElseThrow(), 0);
            assertTrue(v.verify().healthy());
        }
    }

    @Test
    void tornBytesOfAFailedAppendNeverHideLaterRecordsFromReplay() throws Exception {
        Path root = tmp.resolve("root");
        UUID id = UUID.randomUUID();
        AtomicBoolean full = new AtomicBoolean();
        AtomicInteger failures = new AtomicInteger();
        byte[] later = pattern(21, 4 * BS);
        try (LayerEngine engine = LayerEngine.open(config(root))) {
            Volume v = engine.create(id, 64 * BS, false);
            engine.injectFaults(new DiskFaults() {
                @Override
                public void beforeJournalAppend(JournalFile journal, ByteBuffer data) throws IOException {
                    // Fails exactly once, leaving a torn record behind, then the device has room again.
                    if (full.compareAndSet(true, false)) {
                        failures.incrementAndGet();
                        journal.append(data.slice(data.position(), 100));
                        throw new IOException("No space left on device");
                    }
                }
            });
            full.set(true);
            assertThrows(OutOfSpaceException.class, () -> writeDurable(v, 0, pattern(20, 4 * BS)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !engine.space().writesRefused());
            writeDurable(v, 8 * BS, later);
            assertEquals(1, failures.get());
            engine.abandonForTest();
        }
        try (LayerEngine engine = LayerEngine.open(config(root))) {
            // Without the rewind, replay would stop at the torn bytes and lose this durable write.
            assertContent(later, engine.find(id).orElseThrow(), 8 * BS);
        }
    }

    @Test
    void applyThreadOutOfSpaceStallsAndRetries() throws Exception {
        AtomicInteger failuresLeft = new AtomicInteger(3);
        try (LayerEngine engine = LayerEngine.open(config(tmp.resolve("root")))) {
            Volume v = engine.create(UUID.randomUUID(), 64 * BS, false);
            engine.injectFaults(new DiskFaults() {
                @Override
                public void beforeApply() throws IOException {
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw new IOException("No space left on device");
                    }
                }
            });
            byte[] data = pattern(30, 4 * BS);
            try {
                writeDurable(v, 0, data);
            } catch (OutOfSpaceException stalledMeanwhile) {
                // Legitimate: part of the write reached the journal after the apply thread stalled, and durable waits
                // fail during a stall. The write stays queued and lands once the retry succeeds.
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> failuresLeft.get() < 0 && !engine.space().writesRefused());
            ((VolumeImpl) v).awaitApplied();
            assertContent(data, v, 0);
            assertTrue(v.verify().healthy());
        }
    }

    @Test
    void deletingAVolumeWhileStalledFreesItsFilesAtOnceAndUnblocksTheJournal() throws Exception {
        Path root = tmp.resolve("root");
        AtomicBoolean full = new AtomicBoolean();
        try (LayerEngine engine = LayerEngine.open(config(root))) {
            UUID bigId = UUID.randomUUID();
            Volume big = engine.create(bigId, 64 * BS, false);
            Volume keep = engine.create(UUID.randomUUID(), 64 * BS, false);
            writeDurable(big, 0, pattern(40, 32 * BS));
            engine.injectFaults(new DiskFaults() {
                @Override
                public void beforeJournalAppend(JournalFile journal, ByteBuffer data) throws IOException {
                    if (full.get()) {
                        throw new IOException("No space left on device");
                    }
                }
            });
            full.set(true);
            assertThrows(OutOfSpaceException.class, () -> writeDurable(big, 0, pattern(41, 4 * BS)));
            Path dir = root.resolve("volumes").resolve(bigId.toString());
            assertTrue(Files.exists(dir));

            engine.delete(bigId); // must not wait for the stalled journal
            assertFalse(Files.exists(dir), "files are removed at once");
            full.set(false); // the device has room again
            await().atMost(Duration.ofSeconds(10)).until(() -> !engine.space().writesRefused());
            byte[] data = pattern(42, 4 * BS);
            writeDurable(keep, 0, data);
            assertContent(data, keep, 0);
            // A same-id volume waits for the checkpoint that drops the old incarnation's records.
            Volume again = engine.create(bigId, 64 * BS, false);
            assertArrayEquals(new byte[4 * BS], TestSupport.read(again, 0, 4 * BS));
        }
    }

    @Test
    void reserveFileIsHeldWhileOpenReleasedForReplayOnATightDeviceAndRemadeAfterADelete() throws Exception {
        Path root = tmp.resolve("root");
        Path file = root.resolve(ReserveFile.NAME);
        EngineConfig cfg = TestSupport.config(root).withReserve(4L << 20).withFreeSpace(free::get);
        UUID id = UUID.randomUUID();
        try (LayerEngine engine = LayerEngine.open(cfg)) {
            assertEquals(2L << 20, Files.size(file));
            assertTrue(NativeIo.allocatedBytes(file) >= 2L << 20, "really allocated, not sparse");
            assertEquals(2L << 20, engine.space().reserveFileBytes());
            assertEquals(4L << 20, engine.space().reservedBytes());
            writeDurable(engine.create(id, 64 * BS, false), 0, pattern(50, 4 * BS));
            engine.abandonForTest();
        }
        free.set(1L << 20); // tighter than the reserve: replay gets the file's space
        try (LayerEngine engine = LayerEngine.open(cfg)) {
            assertFalse(Files.exists(file), "released for replay, not remade while the device is tight");
            assertEquals(0, engine.space().reserveFileBytes());
            assertContent(pattern(50, 4 * BS), engine.find(id).orElseThrow(), 0);
            free.set(1L << 30);
            engine.delete(id); // space came back: the reserve file is made again
            assertEquals(2L << 20, Files.size(file));
            assertEquals(2L << 20, engine.space().reserveFileBytes());
        }
    }
}
