package io.galleonfs.node.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.VolumeRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit of concurrent submits, against a Raft stand-in that holds each entry until the test answers it (by applying
 * it to a real {@link RaftMetadataStore} state machine, as the leader would, or by failing it).
 */
class CommitBatcherTest {
    /** One entry handed to the stand-in: its bytes and the future Raft would complete. */
    private record Sent(byte[] entry, CompletableFuture<byte[]> reply) {
        int commands() throws Exception {
            return RaftEntry.commands(entry, 0, entry.length).size();
        }
    }

    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final RaftMetadataStore stateMachine = new RaftMetadataStore(Duration.ofSeconds(5));
    private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    private CommitBatcher batcher;

    @BeforeEach
    void setUp() throws Exception {
        applyNow(RaftEntry.encode(new MetaCommand.CreateStorageClass(BuiltInStorageClasses.all().get(0))));
        batcher = new CommitBatcher(entry -> {
            CompletableFuture<byte[]> reply = new CompletableFuture<>();
            sent.add(new Sent(entry, reply));
            return reply;
        }, Runnable::run, 2, 256, 256 << 10);
    }

    @AfterEach
    void tearDown() {
        clients.shutdownNow();
    }

    private byte[] applyNow(byte[] entry) throws Exception {
        return stateMachine.apply(entry, 0, entry.length, true);
    }

    /** Answers entry {@code i} the way the leader does once it is committed: the state machine's reply. */
    private void commit(int i) throws Exception {
        Sent s = sent.get(i);
        s.reply().complete(applyNow(s.entry()));
    }

    private static byte[] create(String name) throws Exception {
        return RaftEntry.encode(new MetaCommand.CreateVolume(new VolumeRecord(UUID.randomUUID(), name, VolumeType.PERSISTENT, 4096, 4096,
                BuiltInStorageClasses.FAST_LOCAL_SSD, 1, AccessMode.READ_WRITE_ONCE, false, 1, "node-1", List.of())));
    }

    private Future<MetaResult> submitAsync(String name) throws Exception {
        byte[] command = create(name);
        return clients.submit(() -> batcher.submit(command, TimeUnit.SECONDS.toNanos(30)));
    }

    @Test
    void aLoneChangeIsSentAtOnceAsThePlainCommand() throws Exception {
        byte[] command = create("alone");
        Future<MetaResult> f = clients.submit(() -> batcher.submit(command, TimeUnit.SECONDS.toNanos(30)));
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 1);
        // the same bytes an unbatched submit wrote, so logs stay readable by a node that predates batching
        assertEquals(new String(command), new String(sent.getFirst().entry()));
        commit(0);
        assertInstanceOf(MetaResult.Applied.class, f.get(10, TimeUnit.SECONDS));
    }

    @Test
    void concurrentChangesShareEntriesAndEachCallerGetsItsOwnResult() throws Exception {
        // one at a time: two concurrent submits may both be queued before either dispatches, and then share one entry
        Future<MetaResult> first = submitAsync("v-first");
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 1);
        Future<MetaResult> second = submitAsync("v-second");
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 2);
        // two entries in flight: the next 30 changes wait and go together
        List<Future<MetaResult>> rest = new ArrayList<>();
        for (int i = 0; i < 29; i++) {
            rest.add(submitAsync("v-" + i));
        }
        rest.add(submitAsync("v-first")); // a duplicate name: rejected, alone
        await().atMost(Duration.ofSeconds(10)).until(() -> batcher.queued() == 30);
        commit(0);
        commit(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 3);
        assertEquals(30, sent.get(2).commands());
        commit(2);

        assertEquals(3, batcher.entriesSent(), "32 changes in 3 entries");
        Set<Long> indexes = new HashSet<>();
        indexes.add(((MetaResult.Applied) first.get(10, TimeUnit.SECONDS)).index());
        indexes.add(((MetaResult.Applied) second.get(10, TimeUnit.SECONDS)).index());
        for (int i = 0; i < 29; i++) {
            indexes.add(assertInstanceOf(MetaResult.Applied.class, rest.get(i).get(10, TimeUnit.SECONDS)).index());
        }
        assertEquals(31, indexes.size(), "every applied change has its own index");
        MetaResult.Rejected dup = assertInstanceOf(MetaResult.Rejected.class, rest.get(29).get(10, TimeUnit.SECONDS));
        assertEquals(MetaResult.Reason.CONFLICT, dup.reason());
        assertEquals(31, stateMachine.state().volumes().size());
        assertEquals(32, stateMachine.state().lastApplied(), "the storage class and 31 volumes");
    }

    @Test
    void aFailedEntryFailsExactlyTheCallersItCarried() throws Exception {
        // one at a time, so that entry 1 is b's: two concurrent submits reach Raft in either order
        Future<MetaResult> a = submitAsync("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 1);
        Future<MetaResult> b = submitAsync("b");
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 2);
        List<Future<MetaResult>> later = List.of(submitAsync("c"), submitAsync("d"), submitAsync("e"));
        await().atMost(Duration.ofSeconds(10)).until(() -> batcher.queued() == 3);

        sent.get(1).reply().completeExceptionally(new IllegalStateException("leader changed"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 3);
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class, () -> b.get(10, TimeUnit.SECONDS));
        CommitBatcher.NotConfirmedException nc = assertInstanceOf(CommitBatcher.NotConfirmedException.class, e.getCause());
        assertTrue(nc.getMessage().contains("leader changed"), nc.getMessage());
        assertFalse(a.isDone(), "the other entry in flight is not affected");

        commit(0);
        commit(2);
        assertInstanceOf(MetaResult.Applied.class, a.get(10, TimeUnit.SECONDS));
        for (Future<MetaResult> f : later) {
            assertInstanceOf(MetaResult.Applied.class, f.get(10, TimeUnit.SECONDS));
        }
        assertTrue(stateMachine.state().volumeByName("default", "b").isEmpty());
    }

    @Test
    void anEntryRaftRefusesUpFrontReportsItsCallersAsNotSent() throws Exception {
        CommitBatcher refusing = new CommitBatcher(entry -> {
            throw new org.jgroups.protocols.raft.RaftLeaderException("no leader");
        }, Runnable::run, 2, 256, 256 << 10);
        CommitBatcher.NotSentException e = assertThrows(CommitBatcher.NotSentException.class,
                () -> refusing.submit(create("x"), TimeUnit.SECONDS.toNanos(5)));
        assertEquals("there is no leader", e.getMessage());
    }

    @Test
    void aRefusedEntryFreesOnlyItsOwnSlotInTheWindow() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean refuse = new java.util.concurrent.atomic.AtomicBoolean(true);
        batcher = new CommitBatcher(entry -> {
            if (refuse.getAndSet(false)) {
                throw new org.jgroups.protocols.raft.RaftLeaderException("no leader");
            }
            CompletableFuture<byte[]> reply = new CompletableFuture<>();
            sent.add(new Sent(entry, reply));
            return reply;
        }, Runnable::run, 1, 256, 256 << 10);
        assertThrows(CommitBatcher.NotSentException.class, () -> batcher.submit(create("refused"), TimeUnit.SECONDS.toNanos(5)));
        Future<MetaResult> a = submitAsync("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 1);
        Future<MetaResult> b = submitAsync("b");
        // a window of one: b waits for a's answer (a refusal that freed two slots would let b through now)
        await().atMost(Duration.ofSeconds(10)).until(() -> batcher.queued() == 1);
        assertEquals(1, sent.size());
        commit(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 2);
        commit(1);
        assertInstanceOf(MetaResult.Applied.class, a.get(10, TimeUnit.SECONDS));
        assertInstanceOf(MetaResult.Applied.class, b.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aChangeStillQueuedAtItsDeadlineIsWithdrawnAndNeverSent() throws Exception {
        submitAsync("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 1);
        submitAsync("b");
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 2);
        byte[] late = create("late");
        assertThrows(CommitBatcher.NotSentException.class, () -> batcher.submit(late, TimeUnit.MILLISECONDS.toNanos(200)));
        assertEquals(0, batcher.queued());
        commit(0);
        commit(1);
        assertEquals(2, sent.size(), "nothing left to send");
    }

    @Test
    void aBatchIsCappedInCommandsAndTheRestFollowsInTheNextEntry() throws Exception {
        batcher = new CommitBatcher(entry -> {
            CompletableFuture<byte[]> reply = new CompletableFuture<>();
            sent.add(new Sent(entry, reply));
            return reply;
        }, Runnable::run, 1, 4, 256 << 10);
        List<Future<MetaResult>> all = new ArrayList<>();
        all.add(submitAsync("head"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 1);
        for (int i = 0; i < 6; i++) {
            all.add(submitAsync("n-" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> batcher.queued() == 6);
        commit(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 2);
        assertEquals(4, sent.get(1).commands());
        commit(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 3);
        assertEquals(2, sent.get(2).commands());
        commit(2);
        for (Future<MetaResult> f : all) {
            assertInstanceOf(MetaResult.Applied.class, f.get(10, TimeUnit.SECONDS));
        }
    }
}
