package io.galleonfs.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The metadata listeners' own thread: order, who sees what, what is skipped, and the delivered index. */
class ListenerDispatcherTest {
    private final AtomicLong delivered = new AtomicLong(-1);
    private final List<Long> deliveredIndexes = new CopyOnWriteArrayList<>();
    private final ListenerDispatcher dispatcher = new ListenerDispatcher("test-meta-listeners", s -> {
        deliveredIndexes.add(s.lastApplied());
        delivered.set(s.lastApplied());
    });

    @AfterEach
    void close() {
        dispatcher.close();
    }

    /** States 1..n, each copied from the one before and changed by one create, as the Raft apply thread makes them. */
    private static List<MetadataState> chain(int n) {
        List<MetadataState> out = new ArrayList<>();
        MetadataState s = new MetadataState();
        s.apply(new MetaCommand.InitCluster("c", 1));
        s.apply(new MetaCommand.CreateStorageClass(BuiltInStorageClasses.all().get(0)));
        for (int i = 0; i < n; i++) {
            s = s.copy();
            UUID id = UUID.randomUUID();
            s.apply(new MetaCommand.CreateVolume(new VolumeRecord(id, "v" + i, VolumeType.PERSISTENT, 4096, 4096,
                    BuiltInStorageClasses.FAST_LOCAL_SSD, 1, AccessMode.READ_WRITE_ONCE, false, 1, "node-1", List.of())));
            out.add(s);
        }
        return out;
    }

    private void awaitDelivered(MetadataState s) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> delivered.get() == s.lastApplied());
    }

    @Test
    void everyListenerSeesEveryStateInPublicationOrderAndEachChangeIsOneStep() {
        List<MetadataState> states = chain(40);
        List<MetadataState> a = new CopyOnWriteArrayList<>();
        List<MetadataState> b = new CopyOnWriteArrayList<>();
        List<String> order = new CopyOnWriteArrayList<>();
        dispatcher.add(s -> {
            a.add(s);
            order.add("a" + s.lastApplied());
        });
        dispatcher.add(s -> {
            b.add(s);
            order.add("b" + s.lastApplied());
        });
        states.forEach(dispatcher::publish);
        awaitDelivered(states.getLast());
        assertEquals(states, a);
        assertEquals(states, b);
        for (int i = 0; i < states.size(); i++) {
            long index = states.get(i).lastApplied();
            // a state's listeners all run before the next state is handed over, and before its index is delivered
            assertEquals(List.of("a" + index, "b" + index), order.subList(2 * i, 2 * i + 2));
            if (i > 0) {
                assertEquals(1, states.get(i).volumesChangedSince(a.get(i - 1)).orElseThrow().size());
            }
        }
        assertEquals(states.stream().map(MetadataState::lastApplied).toList(), deliveredIndexes);
    }

    @Test
    void aListenerSeesOnlyStatesPublishedAfterItWasAdded() throws Exception {
        List<MetadataState> states = chain(3);
        CountDownLatch release = new CountDownLatch(1);
        List<MetadataState> early = new CopyOnWriteArrayList<>();
        dispatcher.add(s -> {
            early.add(s);
            await(release);
        });
        dispatcher.publish(states.get(0));
        dispatcher.publish(states.get(1));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> early.size() == 1);
        // state 1 is still queued when this listener comes: it was built after it, so it must never see it
        List<MetadataState> late = new CopyOnWriteArrayList<>();
        dispatcher.add(late::add);
        dispatcher.publish(states.get(2));
        release.countDown();
        awaitDelivered(states.get(2));
        assertEquals(states, early);
        assertEquals(List.of(states.get(2)), late);
    }

    @Test
    void aBacklogIsSkippedToTheNewestStateAndNothingWaitsWithoutBound() {
        List<MetadataState> states = chain(ListenerDispatcher.COALESCE_ABOVE + 30);
        CountDownLatch release = new CountDownLatch(1);
        List<MetadataState> seen = new CopyOnWriteArrayList<>();
        dispatcher.add(s -> {
            seen.add(s);
            await(release);
        });
        dispatcher.publish(states.getFirst());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
        states.subList(1, states.size()).forEach(dispatcher::publish);
        release.countDown();
        awaitDelivered(states.getLast());
        assertEquals(List.of(states.getFirst(), states.getLast()), seen);
        assertTrue(states.getLast().volumesChangedSince(states.getFirst()).isEmpty(),
                "a skipped-to state names no changes: listeners compare it in full");
        assertEquals(0, dispatcher.pending());
    }

    @Test
    void aFailingListenerDoesNotStopTheOthersOrTheNextStates() {
        List<MetadataState> states = chain(3);
        List<MetadataState> seen = new CopyOnWriteArrayList<>();
        dispatcher.add(s -> {
            throw new IllegalStateException("listener bug");
        });
        dispatcher.add(seen::add);
        states.forEach(dispatcher::publish);
        awaitDelivered(states.getLast());
        assertEquals(states, seen);
    }

    @Test
    void aResetDropsQueuedStatesAndTheirIndexes() {
        List<MetadataState> states = chain(3);
        CountDownLatch release = new CountDownLatch(1);
        List<MetadataState> seen = new CopyOnWriteArrayList<>();
        dispatcher.add(s -> {
            seen.add(s);
            await(release);
        });
        dispatcher.publish(states.get(0));
        dispatcher.publish(states.get(1));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
        dispatcher.reset();
        release.countDown();
        MetadataState fresh = new MetadataState();
        fresh.apply(new MetaCommand.InitCluster("other", 2));
        dispatcher.publish(fresh);
        awaitDelivered(fresh);
        assertEquals(List.of(states.get(0), fresh), seen);
        assertEquals(List.of(fresh.lastApplied()), deliveredIndexes, "indexes of the old log are never reported");
        assertSame(fresh, seen.getLast());
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
