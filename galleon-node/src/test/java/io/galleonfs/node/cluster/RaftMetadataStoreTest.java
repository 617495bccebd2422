package io.galleonfs.node.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.meta.MetadataUnavailableException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The Raft state machine side of the metadata store, driven the way jgroups-raft drives it. */
class RaftMetadataStoreTest {
    private static final UUID ID_A = UUID.fromString("00000000-0000-0000-0000-00000000000a");

    private static byte[] encode(MetaCommand c) throws Exception {
        return RaftMetadataStore.JSON.writeValueAsBytes(c);
    }

    private static MetaResult apply(RaftMetadataStore store, MetaCommand c) throws Exception {
        byte[] bytes = encode(c);
        byte[] framed = new byte[bytes.length + 3];
        System.arraycopy(bytes, 0, framed, 3, bytes.length);
        return RaftMetadataStore.JSON.readValue(store.apply(framed, 3, bytes.length, true), MetaResult.class);
    }

    private static List<MetaCommand> commands() {
        return List.of(
                new MetaCommand.InitCluster("c-1", 1),
                new MetaCommand.CreateStorageClass(BuiltInStorageClasses.all().get(0)),
                new MetaCommand.CreateVolume(new VolumeRecord(ID_A, "alpha", VolumeType.PERSISTENT, 4096, 4096,
                        BuiltInStorageClasses.FAST_LOCAL_SSD, 1, AccessMode.READ_WRITE_ONCE, false, 1, "node-1", List.of())),
                new MetaCommand.ResizeVolume(ID_A, 8192));
    }

    @Test
    void awaitStateWakesWhenTheChangeIsAppliedAndGivesUpAfterItsBound() throws Exception {
        RaftMetadataStore store = new RaftMetadataStore(Duration.ofSeconds(1));
        assertTrue(store.awaitState(s -> s.volume(ID_A).isPresent(), Duration.ofMillis(50)).isEmpty());
        java.util.concurrent.CompletableFuture<java.util.Optional<MetadataState>> waiting = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> store.awaitState(s -> s.volume(ID_A).isPresent(), Duration.ofSeconds(30)));
        for (MetaCommand c : commands()) {
            apply(store, c);
        }
        MetadataState seen = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS).orElseThrow();
        assertEquals("alpha", seen.volume(ID_A).orElseThrow().name());
    }

    @Test
    void aNodeWaitingToApplyItsOwnChangeKeepsAskingTheLeaderForTheCommitIndex() throws Exception {
        RaftMetadataStore store = new RaftMetadataStore(Duration.ofSeconds(5));
        java.util.concurrent.atomic.AtomicInteger asks = new java.util.concurrent.atomic.AtomicInteger();
        store.attach(null, () -> true, asks::incrementAndGet);
        java.util.concurrent.CompletableFuture<Void> waiting = java.util.concurrent.CompletableFuture.runAsync(
                () -> store.awaitLocallyApplied(commands().size(), System.nanoTime() + Duration.ofSeconds(30).toNanos()));
        // one ask can be lost or answered before the entry arrived: the waiter asks again instead of sitting out the
        // leader's periodic resend
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> asks.get() >= 3);
        assertTrue(!waiting.isDone());
        for (MetaCommand c : commands()) {
            apply(store, c);
        }
        waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void committedEntriesAreAppliedInOrderAndPublished() throws Exception {
        RaftMetadataStore store = new RaftMetadataStore(Duration.ofSeconds(1));
        List<MetadataState> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        store.addListener(seen::add);
        for (MetaCommand c : commands()) {
            assertInstanceOf(MetaResult.Applied.class, apply(store, c));
        }
        assertEquals("c-1", store.state().clusterId());
        assertEquals(8192, store.state().volume(ID_A).orElseThrow().sizeBytes());
        awaitListeners(store);
        assertEquals(4, seen.size());
        assertSame(store.state(), seen.getLast());
    }

    @Test
    void rejectedEntriesChangeNothingAndNotifyNoOne() throws Exception {
        RaftMetadataStore store = new RaftMetadataStore(Duration.ofSeconds(1));
        for (MetaCommand c : commands()) {
            apply(store, c);
        }
        MetadataState before = store.state();
        List<MetadataState> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        store.addListener(seen::add);
        MetaResult r = apply(store, new MetaCommand.InitCluster("c-2", 2));
        assertInstanceOf(MetaResult.Rejected.class, r);
        assertSame(before, store.state());
        assertTrue(seen.isEmpty());
        assertNull(store.apply(encode(new MetaCommand.DeleteVolume(UUID.randomUUID())), 0,
                encode(new MetaCommand.DeleteVolume(UUID.randomUUID())).length, false), "no response when none is asked");
    }

    private static void awaitListeners(RaftMetadataStore store) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> store.deliveredIndex() == store.state().lastApplied());
    }

    @Test
    void applyNeverWaitsForListenersButReadersOfTheirEffectsDo() throws Exception {
        RaftMetadataStore store = new RaftMetadataStore(Duration.ofSeconds(5));
        store.attach(null, () -> true, () -> { });
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.Set<UUID> started = java.util.concurrent.ConcurrentHashMap.newKeySet();
        store.addListener(s -> {
            try {
                assertTrue(release.await(30, java.util.concurrent.TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.volumes().forEach(v -> started.add(v.id())); // what a listener does about a change (a primary started)
        });
        java.util.concurrent.CompletableFuture<Void> submitter = java.util.concurrent.CompletableFuture.runAsync(
                () -> store.awaitLocallyApplied(3, System.nanoTime() + Duration.ofSeconds(30).toNanos()));
        java.util.concurrent.CompletableFuture<java.util.Optional<MetadataState>> reader = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> store.awaitState(s -> s.volume(ID_A).isPresent(), Duration.ofSeconds(30)));
        for (MetaCommand c : commands()) {
            apply(store, c); // returns while the listener is still held: the Raft thread goes on
        }
        assertEquals(8192, store.state().volume(ID_A).orElseThrow().sizeBytes(), "the state is published at once");
        assertTrue(store.awaitState(s -> s.volume(ID_A).isPresent(), Duration.ofMillis(100)).isEmpty(),
                "nobody waiting for a change sees it before the node's listeners have acted on it");
        assertTrue(!submitter.isDone() && !reader.isDone());
        release.countDown();
        submitter.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(started.contains(ID_A), "the submitter returns after the listeners acted on its change");
        assertTrue(reader.get(30, java.util.concurrent.TimeUnit.SECONDS).isPresent());
        assertTrue(started.contains(ID_A));
    }

    private static MetaCommand createVolume(UUID id, String name) {
        return new MetaCommand.CreateVolume(new VolumeRecord(id, name, VolumeType.PERSISTENT, 4096, 4096,
                BuiltInStorageClasses.FAST_LOCAL_SSD, 1, AccessMode.READ_WRITE_ONCE, false, 1, "node-1", List.of()));
    }

    @Test
    void aBatchEntryGivesEachCommandItsOwnResultAndPublishesOnce() throws Exception {
        RaftMetadataStore store = new RaftMetadataStore(Duration.ofSeconds(1));
        for (MetaCommand c : commands()) {
            apply(store, c);
        }
        MetadataState before = store.state();
        List<MetadataState> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        store.addListener(seen::add);
        UUID b = UUID.randomUUID();
        UUID c = UUID.randomUUID();
        List<MetaCommand> batch = List.of(createVolume(b, "beta"), createVolume(UUID.randomUUID(), "alpha"), createVolume(c, "gamma"),
                new MetaCommand.ResizeVolume(b, 2048));
        byte[] entry = RaftEntry.entry(batch.stream().map(RaftMetadataStoreTest::encodeUnchecked).toList());
        List<MetaResult> results = RaftEntry.results(store.apply(entry, 0, entry.length, true), batch.size());

        assertEquals(new MetaResult.Applied(before.lastApplied() + 1), results.get(0));
        assertEquals(MetaResult.Reason.CONFLICT, assertInstanceOf(MetaResult.Rejected.class, results.get(1)).reason());
        assertEquals(new MetaResult.Applied(before.lastApplied() + 2), results.get(2));
        assertEquals(MetaResult.Reason.INVALID, assertInstanceOf(MetaResult.Rejected.class, results.get(3)).reason(),
                "volumes only grow");
        awaitListeners(store);
        assertEquals(1, seen.size(), "one publication for the whole entry");
        assertSame(store.state(), seen.getFirst());
        assertEquals(List.of("alpha", "beta", "gamma"), store.state().volumes().stream().map(VolumeRecord::name).sorted().toList());
        assertEquals(4096, store.state().volume(b).orElseThrow().sizeBytes());

        // the same commands as entries of their own leave a byte-identical state
        RaftMetadataStore oneByOne = new RaftMetadataStore(Duration.ofSeconds(1));
        for (MetaCommand cmd : commands()) {
            apply(oneByOne, cmd);
        }
        for (MetaCommand cmd : batch) {
            apply(oneByOne, cmd);
        }
        assertArrayEquals(oneByOne.state().snapshot(), store.state().snapshot());
    }

    @Test
    void aBatchOfOnlyRejectedCommandsChangesNothingAndNotifiesNoOne() throws Exception {
        RaftMetadataStore store = new RaftMetadataStore(Duration.ofSeconds(1));
        for (MetaCommand c : commands()) {
            apply(store, c);
        }
        MetadataState before = store.state();
        List<MetadataState> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        store.addListener(seen::add);
        byte[] entry = RaftEntry.entry(List.of(encode(new MetaCommand.InitCluster("c-2", 2)), encode(createVolume(UUID.randomUUID(), "alpha"))));
        List<MetaResult> results = RaftEntry.results(store.apply(entry, 0, entry.length, true), 2);
        assertTrue(results.stream().allMatch(r -> r instanceof MetaResult.Rejected), results.toString());
        assertSame(before, store.state());
        assertTrue(seen.isEmpty());
    }

    private static byte[] encodeUnchecked(MetaCommand c) {
        try {
            return encode(c);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void snapshotsRoundTripToAnEqualState() throws Exception {
        RaftMetadataStore leader = new RaftMetadataStore(Duration.ofSeconds(1));
        for (MetaCommand c : commands()) {
            apply(leader, c);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        leader.writeContentTo(new DataOutputStream(bytes));
        RaftMetadataStore follower = new RaftMetadataStore(Duration.ofSeconds(1));
        follower.readContentFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertArrayEquals(leader.state().snapshot(), follower.state().snapshot());
        assertEquals("c-1", follower.state().clusterId());
    }

    @Test
    void twoMembersApplyingTheSameLogAgreeByteForByte() throws Exception {
        RaftMetadataStore a = new RaftMetadataStore(Duration.ofSeconds(1));
        RaftMetadataStore b = new RaftMetadataStore(Duration.ofSeconds(1));
        for (MetaCommand c : commands()) {
            apply(a, c);
            apply(b, c);
        }
        assertArrayEquals(a.state().snapshot(), b.state().snapshot());
    }

    @Test
    void submitBeforeTheClusterStartsIsRefused() {
        RaftMetadataStore store = new RaftMetadataStore(Duration.ofSeconds(1));
        MetadataUnavailableException e = assertThrows(MetadataUnavailableException.class,
                () -> store.submit(new MetaCommand.InitCluster("x", 1)));
        assertTrue(e.getMessage().contains("not started"), e.getMessage());
    }

    @Test
    void resetForgetsEverything() throws Exception {
        RaftMetadataStore store = new RaftMetadataStore(Duration.ofSeconds(1));
        for (MetaCommand c : commands()) {
            apply(store, c);
        }
        store.reset();
        assertNull(store.state().clusterId());
        assertTrue(store.state().volumes().isEmpty());
    }
}
