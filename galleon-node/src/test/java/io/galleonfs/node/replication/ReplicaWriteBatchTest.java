package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.StorageFormat;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.ErrorCode;
import io.galleonfs.node.replication.DataMessage.Failure;
import io.galleonfs.node.replication.DataMessage.Ok;
import io.galleonfs.node.replication.DataMessage.ReplicaTrim;
import io.galleonfs.node.replication.DataMessage.ReplicaWrite;
import io.galleonfs.node.replication.DataMessage.Response;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica applies the writes queued behind each other as one engine batch, and the batch keeps every rule of a single
 * write: the order (a later write wins, an operation in between is applied in its place), the sequence (a gap stops the
 * batch and fails the writes after it), the epoch (a deposed primary's writes are refused), durability. Writes are
 * queued behind a task that holds the volume's ordered queue, so what queues is known exactly.
 */
class ReplicaWriteBatchTest {
    private static final int BS = 4096;
    private static final int BLOCKS = 64;
    private static final long EPOCH = 3;

    @TempDir
    Path dir;

    private final UUID id = UUID.randomUUID();
    private BlockEngine engine;
    private ReplicaApplier applier;
    private byte[] model = new byte[BLOCKS * BS];

    @BeforeEach
    void setUp() throws Exception {
        VolumeRecord record = new VolumeRecord(id, "vol", VolumeType.PERSISTENT, (long) BLOCKS * BS, BS, "default", 2,
                AccessMode.READ_WRITE_ONCE, false, 0, "n1", List.of(), List.of("n1", "n2"));
        engine = BlockEngine.open(new EngineConfig(dir.resolve("engine"), BS, 8L << 20, 16L << 20,
                FileKeyProvider.openOrCreate(dir.resolve("key"))).withFormat(StorageFormat.LOG_V1));
        engine.create(id, (long) BLOCKS * BS, false);
        applier = new ReplicaApplier("n2", engine, new EpochStore(dir.resolve("epochs")), 7, v -> Optional.of(record));
        // The primary of epoch EPOCH fences this copy first, as a new primary does.
        assertEquals(new Ok(0), applier.apply(new DataMessage.Fence(id, EPOCH, 0)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS));
    }

    @AfterEach
    void tearDown() throws Exception {
        applier.close();
        engine.close();
    }

    @Test
    void queuedWritesAreAppliedAsOneBatchInOrder() throws Exception {
        Random random = new Random(5);
        List<CompletableFuture<Response>> replies = new ArrayList<>();
        CountDownLatch release = hold();
        for (long seq = 1; seq <= 40; seq++) {
            int blocks = seq % 9 == 0 ? 3 : 1; // some multi-block writes; blocks repeat (a later write must win)
            long block = random.nextInt(8) == 0 ? 5 : random.nextInt(BLOCKS - blocks + 1);
            replies.add(write(seq, block, blocks, seq == 20));
        }
        release.countDown();
        for (int i = 0; i < replies.size(); i++) {
            assertEquals(new Ok(i + 1), replies.get(i).get(30, TimeUnit.SECONDS), "write " + (i + 1));
        }
        assertContent();
        ReplicaApplier.VolumeState st = applier.state(id);
        assertEquals(40, st.appliedSeq);
        assertEquals(40, st.appliedOps.sum());
        assertEquals(1, st.writeBatches.sum(), "the 40 queued writes went to the engine together");
        assertEquals((36 + 4 * 3) * BS, st.appliedBytes.sum(), "4 of the 40 wrote 3 blocks");
    }

    /** An operation between writes ends the batch: the trim lands after the writes before it and before the ones after. */
    @Test
    void anOperationBetweenWritesIsAppliedInItsPlace() throws Exception {
        CountDownLatch release = hold();
        CompletableFuture<Response> w1 = write(1, 10, 2, false);
        CompletableFuture<Response> trim = applier.apply(new ReplicaTrim(id, EPOCH, 2, 10L * BS, BS))
                .toCompletableFuture();
        CompletableFuture<Response> w3 = write(3, 11, 1, false);
        CompletableFuture<Response> w4 = write(4, 12, 1, false);
        release.countDown();
        assertEquals(new Ok(1), w1.get(30, TimeUnit.SECONDS));
        assertEquals(new Ok(2), trim.get(30, TimeUnit.SECONDS));
        assertEquals(new Ok(3), w3.get(30, TimeUnit.SECONDS));
        assertEquals(new Ok(4), w4.get(30, TimeUnit.SECONDS));
        java.util.Arrays.fill(model, 10 * BS, 11 * BS, (byte) 0);
        assertContent();
        assertEquals(2, applier.state(id).writeBatches.sum(), "w1 alone, then w3 and w4 together");
    }

    /** A gap in the sequence stops the batch: the writes before it apply, the ones after it fail as a gap. */
    @Test
    void aGapStopsTheBatchAndFailsWhatFollows() throws Exception {
        CountDownLatch release = hold();
        List<CompletableFuture<Response>> before = new ArrayList<>();
        for (long seq = 1; seq <= 5; seq++) {
            before.add(write(seq, seq, 1, false));
        }
        byte[] applied = model.clone();
        CompletableFuture<Response> afterGap = write(7, 40, 1, false);
        CompletableFuture<Response> next = write(8, 41, 1, false);
        release.countDown();
        for (int i = 0; i < before.size(); i++) {
            assertEquals(new Ok(i + 1), before.get(i).get(30, TimeUnit.SECONDS));
        }
        assertGap(afterGap.get(30, TimeUnit.SECONDS));
        assertGap(next.get(30, TimeUnit.SECONDS));
        model = applied;
        assertContent();
        assertEquals(5, applier.state(id).appliedSeq);
    }

    /** A catch-up write (sequence 0, outside the order) between writes is applied alone and leaves the sequence as it was. */
    @Test
    void aCatchUpWriteBetweenWritesLeavesTheSequenceAlone() throws Exception {
        CountDownLatch release = hold();
        CompletableFuture<Response> w1 = write(1, 1, 1, false);
        CompletableFuture<Response> w2 = write(2, 2, 1, false);
        CompletableFuture<Response> catchUp = write(0, 30, 1, false);
        CompletableFuture<Response> w3 = write(3, 3, 1, false);
        release.countDown();
        assertEquals(new Ok(1), w1.get(30, TimeUnit.SECONDS));
        assertEquals(new Ok(2), w2.get(30, TimeUnit.SECONDS));
        assertEquals(new Ok(0), catchUp.get(30, TimeUnit.SECONDS));
        assertEquals(new Ok(3), w3.get(30, TimeUnit.SECONDS));
        assertContent();
        assertEquals(3, applier.state(id).appliedSeq);
        assertEquals(3, applier.state(id).writeBatches.sum(), "w1 and w2 together, the catch-up write alone, w3");
    }

    /** A deposed primary's queued writes are all refused, none applied. */
    @Test
    void aDeposedPrimarysWritesAreRefused() throws Exception {
        CountDownLatch release = hold();
        List<CompletableFuture<Response>> replies = new ArrayList<>();
        for (long seq = 1; seq <= 4; seq++) {
            replies.add(applier.apply(new ReplicaWrite(id, EPOCH - 1, seq, seq * BS, false, new byte[BS]))
                    .toCompletableFuture());
        }
        release.countDown();
        for (CompletableFuture<Response> r : replies) {
            Failure f = assertInstanceOf(Failure.class, r.get(30, TimeUnit.SECONDS));
            assertEquals(ErrorCode.STALE_EPOCH, f.code());
        }
        assertEquals(0, applier.state(id).appliedSeq);
        assertEquals(0, applier.state(id).writeBatches.sum());
    }

    private static void assertGap(Response r) {
        Failure f = assertInstanceOf(Failure.class, r);
        assertEquals(ErrorCode.BAD_REQUEST, f.code());
        assertTrue(f.message().contains("a gap"), f.message());
    }

    /** Holds the volume's ordered queue until the returned latch is released, so the writes given meanwhile queue. */
    private CountDownLatch hold() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        applier.ordered(id, reply -> {
            holding.countDown();
            release.await();
            reply.complete(new Ok(0));
        });
        assertTrue(holding.await(30, TimeUnit.SECONDS));
        return release;
    }

    private CompletableFuture<Response> write(long seq, long block, int blocks, boolean durable) {
        byte[] data = new byte[blocks * BS];
        new Random(seq * 31 + block).nextBytes(data);
        System.arraycopy(data, 0, model, (int) (block * BS), data.length);
        return applier.apply(new ReplicaWrite(id, EPOCH, seq, block * BS, durable, data)).toCompletableFuture();
    }

    private void assertContent() throws Exception {
        ByteBuffer all = ByteBuffer.allocate(BLOCKS * BS);
        engine.find(id).orElseThrow().read(0, all);
        assertArrayEquals(model, all.array());
    }
}
