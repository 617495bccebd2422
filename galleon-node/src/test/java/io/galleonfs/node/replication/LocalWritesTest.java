package io.galleonfs.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LocalWritesTest {
    private final LocalWrites writes = new LocalWrites();

    @Test
    void aTurnWaitsForEveryEarlierOverlappingTurnAndForNoOther() throws Exception {
        LocalWrites.Turn first = writes.take(0, 1);
        LocalWrites.Turn disjoint = writes.take(5, 9);
        LocalWrites.Turn overlapping = writes.take(1, 2);
        LocalWrites.Turn afterBoth = writes.take(2, 5);

        disjoint.awaitTurn(); // returns at once: nothing earlier touches blocks 5-9
        Waiting second = Waiting.on(overlapping::awaitTurn);
        Waiting third = Waiting.on(afterBoth::awaitTurn);
        second.parked();
        third.parked();

        first.release();
        second.done.get(10, TimeUnit.SECONDS);
        assertFalse(third.done.isDone(), "blocks 2 and 5 are still held by earlier turns");
        overlapping.release();
        third.parked();
        disjoint.release();
        third.done.get(10, TimeUnit.SECONDS);
        afterBoth.release();
        assertEquals(0, writes.inFlight());
    }

    @Test
    void aLaterTurnNeverComesBeforeAnEarlierOneOnTheSameBlocks() throws Exception {
        LocalWrites.Turn earlier = writes.take(3, 3);
        LocalWrites.Turn later = writes.take(3, 3);
        Waiting waiting = Waiting.on(later::awaitTurn);
        waiting.parked();
        earlier.release();
        waiting.done.get(10, TimeUnit.SECONDS);
        later.release();
    }

    @Test
    void drainWaitsForEveryTurnTakenBeforeIt() throws Exception {
        writes.drain(); // nothing in flight: returns at once
        LocalWrites.Turn a = writes.take(0, 0);
        LocalWrites.Turn b = writes.take(7, 7);
        Waiting draining = Waiting.on(writes::drain);
        draining.parked();
        a.release();
        draining.parked();
        assertFalse(draining.done.isDone(), "block 7 is still being written");
        b.release();
        draining.done.get(10, TimeUnit.SECONDS);
        assertEquals(0, writes.inFlight());
    }

    /** A call on its own platform thread, to see it park. */
    private record Waiting(Thread thread, CompletableFuture<Void> done) {
        static Waiting on(Runnable call) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                call.run();
                done.complete(null);
            });
            return new Waiting(t, done);
        }

        /** Parked, not finished: it waits for a turn still held. */
        void parked() {
            await().atMost(Duration.ofSeconds(10)).until(() -> thread.getState() == Thread.State.WAITING || done.isDone());
            assertFalse(done.isDone(), "it waits");
        }
    }
}
