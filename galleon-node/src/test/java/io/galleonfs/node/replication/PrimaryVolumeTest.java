package io.galleonfs.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.Volume;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.ReplicaRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.ErrorCode;
import io.galleonfs.node.replication.DataMessage.Fence;
import io.galleonfs.node.replication.DataMessage.ReplicaOp;
import io.galleonfs.node.replication.DataMessage.ReplicaTrim;
import io.galleonfs.node.replication.DataMessage.ReplicaWrite;
import io.galleonfs.node.volume.WriteConcernPolicy.Requested;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

/**
 * A primary and two replicas in one process: real engines on temporary directories, real {@link ReplicaApplier}s,
 * wired through the {@link InMemoryTransport}, whose hooks play the failing, silent, slow and deposing replicas.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrimaryVolumeTest {
    private static final int BS = 4096;
    private static final long SIZE = 256L * BS;

    @TempDir
    Path dir;

    private final UUID id = UUID.randomUUID();
    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private TestContext ctx;
    private InMemoryTransport transport;
    private PrimaryVolume primary;

    /** One node's engine and replica side. */
    private record Node(String id, BlockEngine engine, ReplicaApplier applier, UUID volume) {
        Volume copy() {
            return engine.find(volume).orElseThrow();
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        VolumeRecord record = new VolumeRecord(id, "vol", VolumeType.PERSISTENT, SIZE, BS, "default", 3, AccessMode.READ_WRITE_ONCE,
                false, 0, "n1", List.of(), List.of("n1", "n2", "n3"));
        ctx = new TestContext(record);
        transport = new InMemoryTransport("n1", ctx.incarnations::put);
        ctx.transport = transport;
        long incarnation = 100;
        int port = 7000;
        for (String n : List.of("n1", "n2", "n3")) {
            Path root = dir.resolve(n);
            BlockEngine engine = BlockEngine.open(new EngineConfig(root.resolve("engine"), BS, 8L << 20, 16L << 20,
                    FileKeyProvider.openOrCreate(root.resolve("key"))));
            engine.create(id, SIZE, false);
            ReplicaApplier applier = new ReplicaApplier(n, engine, new EpochStore(root.resolve("epochs")), ++incarnation,
                    v -> Optional.of(ctx.record.get()));
            nodes.put(n, new Node(n, engine, applier, id));
            transport.register(n, new HostPort("127.0.0.1", ++port), incarnation, (peer, request) -> applier.serve(request));
            if (!n.equals("n1")) {
                ctx.up.add(n);
            }
        }
        ctx.applier = nodes.get("n1").applier();
        primary = new PrimaryVolume(ctx, nodes.get("n1").copy(), record, "n1", 0);
        primary.start();
    }

    @AfterEach
    void tearDown() throws IOException {
        transport.close();
        for (Node n : nodes.values()) {
            n.applier().close();
            n.engine().close();
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void everyWriteConcernReachesBothReplicasInOrderWithTheSameBytes() throws IOException {
        int writes = 0;
        for (Requested level : Requested.values()) {
            for (int i = 0; i < 4; i++) {
                int block = level.ordinal() * 8 + i * 2;
                write(level, block, i == 3 ? 2 : 1, level.ordinal() * 10 + i);
                writes++;
            }
        }
        primary.trim(3L * BS, BS);
        writes++;

        for (String replica : List.of("n2", "n3")) {
            List<ReplicaOp> ops = ordered(replica);
            assertEquals(LongStream.rangeClosed(1, writes).boxed().toList(), ops.stream().map(PrimaryVolumeTest::seq).toList(),
                    "operations reach " + replica + " once each, in order");
            for (ReplicaOp op : ops) {
                if (op instanceof ReplicaWrite w) {
                    boolean replicaDurable = w.seq() > 8;
                    assertEquals(replicaDurable, w.durable(), "a replicated/distributed write is durable on the replica");
                }
            }
            assertEquals(writes, nodes.get(replica).applier().appliedSeq(id));
        }
        assertCopiesIdentical();
        assertEquals(Map.of("n2", ReplicaRecord.HEALTHY_COPY, "n3", ReplicaRecord.HEALTHY_COPY), primary.linkStates());
        assertTrue(ctx.commits.isEmpty(), "no replica state changed: " + ctx.commits);
    }

    @Test
    void concurrentWritersKeepOneOrderOnSlowReplicas() throws Exception {
        transport.faults("n2").delay(Duration.ofMillis(2));
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int writer = t;
            writers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 10; i++) {
                    try {
                        write(Requested.values()[i % 4], writer * 10 + i, 1, writer * 100 + i);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }
            }, r -> Thread.ofVirtual().start(r)));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        for (String replica : List.of("n2", "n3")) {
            assertEquals(LongStream.rangeClosed(1, 40).boxed().toList(), ordered(replica).stream().map(PrimaryVolumeTest::seq).toList());
        }
        assertCopiesIdentical();
    }

    @Test
    void aFailingReplicaGoesStaleReplicatedStillSucceedsAndDistributedIsRefused() throws IOException {
        write(Requested.REPLICATED, 0, 1, 1);
        transport.faults("n3").refuse();
        ctx.up.remove("n3");

        write(Requested.REPLICATED, 1, 1, 2);

        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());
        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n2").state());
        assertEquals(ReplicaRecord.STALE, ctx.record.get().replicaState("n3").state(), "stale mark committed before the ack");
        DataClient.RemoteException refused = assertThrows(DataClient.RemoteException.class,
                () -> write(Requested.DISTRIBUTED, 2, 1, 3));
        assertEquals(ErrorCode.UNAVAILABLE, refused.code());
        assertTrue(refused.getMessage().contains("distributed"), refused.getMessage());
        assertArrayEquals(content("n1"), content("n2"));
        assertEquals(2, nodes.get("n2").applier().appliedSeq(id));
    }

    @Test
    void aReplicaThatNeverAnswersTimesOutAndGoesStale() throws IOException {
        ctx.replicaTimeout = Duration.ofMillis(300);
        transport.faults("n3").drop(m -> m instanceof ReplicaWrite);

        write(Requested.REPLICATED, 7, 1, 7);

        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());
        assertEquals(0, nodes.get("n3").applier().appliedSeq(id), "the dropped write never reached n3");
    }

    @Test
    void deltaResyncSendsOnlyTheMissedBlocksAndTheCopiesEndIdentical() throws IOException {
        for (int b = 0; b < 10; b++) {
            write(Requested.REPLICATED, b, 1, b);
        }
        primary.flush();
        transport.faults("n3").refuse();
        ctx.up.remove("n3");
        write(Requested.REPLICATED, 20, 1, 20);
        write(Requested.REPLICATED, 21, 2, 21);
        write(Requested.REPLICATED, 20, 1, 22);
        write(Requested.REPLICATED, 40, 1, 40);
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());

        transport.faults("n3").heal();
        ctx.up.add("n3");
        transport.clearDelivered("n3");
        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertEquals(ReplicaRecord.HEALTHY, ctx.record.get().replicaState("n3").state());
        assertEquals(RoaringBitmap.bitmapOf(20, 21, 22, 40), blocksSent("n3"), "only the missed blocks are sent");
        assertEquals(4L * BS, primary.resyncBytes("n3"));
        assertCopiesIdentical();

        // Back in the ordered stream: the next write reaches it with the next sequence number.
        write(Requested.DISTRIBUTED, 50, 1, 50);
        assertEquals(primary.seq(), nodes.get("n3").applier().appliedSeq(id));
        assertCopiesIdentical();
    }

    @Test
    void aReplicaThatMissedASnapshotIsRebuiltFromAResetAndEndsIdentical() throws IOException {
        for (int b = 0; b < 6; b++) {
            write(Requested.REPLICATED, b * 3, 1, b);
        }
        transport.faults("n3").refuse();
        ctx.up.remove("n3");
        write(Requested.REPLICATED, 30, 1, 30);
        primary.createSnapshot("s1");
        write(Requested.REPLICATED, 31, 1, 31);
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());

        transport.faults("n3").heal();
        ctx.up.add("n3");
        transport.clearDelivered("n3");
        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertTrue(transport.delivered("n3").stream().anyMatch(m -> m instanceof DataMessage.ReplicaReset),
                "a replica that missed a structural operation starts over from a reset");
        assertEquals(RoaringBitmap.bitmapOf(0, 3, 6, 9, 12, 15, 30, 31), blocksSent("n3"), "only allocated blocks are copied");
        assertEquals(0, primary.resyncBytes("n3"));
        write(Requested.DISTRIBUTED, 40, 1, 40);
        assertCopiesIdentical();
    }

    @Test
    void scrubRewritesADivergentReplicaBlockFromThePrimary() throws IOException {
        for (int b = 0; b < 4; b++) {
            write(Requested.REPLICATED, b, 1, b);
        }
        byte[] junk = new byte[BS];
        java.util.Arrays.fill(junk, (byte) 0x5a);
        nodes.get("n2").copy().write(2L * BS, ByteBuffer.wrap(junk), io.galleonfs.engine.WriteConcern.DURABLE);

        PrimaryVolume.ScrubReport report = primary.scrub();

        assertEquals(4, report.checkedBlocks());
        assertEquals(1, report.repairedBlocks());
        assertCopiesIdentical();
    }

    @Test
    void aReplicaAtANewerEpochFencesThePrimary() throws Exception {
        write(Requested.REPLICATED, 0, 1, 1);
        // A new primary took over on n2: its takeover fence raises the epoch n2 accepts.
        nodes.get("n2").applier().apply(new Fence(id, 2, 1)).toCompletableFuture().get(5, TimeUnit.SECONDS);

        DataClient.RemoteException deposed = assertThrows(DataClient.RemoteException.class,
                () -> write(Requested.ACKNOWLEDGED, 1, 1, 2));
        assertEquals(ErrorCode.NOT_PRIMARY, deposed.code());
        assertTrue(primary.fenced());

        int sent = transport.delivered("n2").size() + transport.delivered("n3").size();
        DataClient.RemoteException later = assertThrows(DataClient.RemoteException.class,
                () -> write(Requested.ACKNOWLEDGED, 2, 1, 3));
        assertEquals(ErrorCode.NOT_PRIMARY, later.code());
        assertEquals(ErrorCode.NOT_PRIMARY, assertThrows(DataClient.RemoteException.class,
                () -> primary.read(0, ByteBuffer.allocate(BS))).code());
        assertEquals(sent, transport.delivered("n2").size() + transport.delivered("n3").size(), "a fenced primary ships nothing");
        assertEquals(1, nodes.get("n2").applier().appliedSeq(id), "n2 refused the deposed primary's write");
    }

    @Test
    void aStaleEpochAnswerFromAnyReplicaFencesThePrimary() {
        transport.faults("n3").answer(m -> m instanceof ReplicaWrite, ErrorCode.STALE_EPOCH);

        assertEquals(ErrorCode.NOT_PRIMARY, assertThrows(DataClient.RemoteException.class,
                () -> write(Requested.REPLICATED, 0, 1, 1)).code());
        assertEquals(ErrorCode.NOT_PRIMARY, assertThrows(DataClient.RemoteException.class,
                () -> write(Requested.ACKNOWLEDGED, 1, 1, 2)).code());
        assertTrue(primary.fenced());
    }

    @Test
    void aStalledReplicaHoldsTheWriteUntilReleasedThenGetsEverythingInOrder() throws Exception {
        transport.faults("n3").stall();
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                write(Requested.REPLICATED, 0, 1, 1);
                write(Requested.REPLICATED, 1, 1, 2);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.get("n2").applier().appliedSeq(id) == 1);
        assertFalse(writing.isDone(), "a synchronous write waits for every in-sync replica");
        assertEquals(0, nodes.get("n3").applier().appliedSeq(id));

        transport.faults("n3").release();
        writing.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(1L, 2L), ordered("n3").stream().map(PrimaryVolumeTest::seq).toList());
        assertCopiesIdentical();
    }

    @Test
    void aReplicatedWriteWaitsForTheOnlyOtherCopyCatchingUpOnAnUpNode() throws Exception {
        makeBothReplicasStale();
        ctx.up.add("n2");

        Thread[] writer = new Thread[1];
        CompletableFuture<Void> writing = new CompletableFuture<>();
        writer[0] = Thread.ofPlatform().daemon().start(() -> {
            try {
                write(Requested.REPLICATED, 9, 1, 9);
                writing.complete(null);
            } catch (Throwable t) {
                writing.completeExceptionally(t);
            }
        });
        // Parked in the catch-up wait (not failed): the write needs a copy that a resync can bring back.
        await().atMost(Duration.ofSeconds(10)).failFast("the write ended without waiting for the copy to catch up", writing::isDone)
                .until(() -> writer[0].getState() == Thread.State.TIMED_WAITING);

        transport.faults("n2").heal();
        primary.syncReplicas(ctx.up::contains);

        writing.get(10, TimeUnit.SECONDS);
        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n2").state());
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());
        assertArrayEquals(content("n1"), content("n2"));
        assertEquals(primary.seq(), nodes.get("n2").applier().appliedSeq(id));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aReplicatedWriteFailsAtOnceWhenTheLaggingCopysNodeIsDown() throws IOException {
        makeBothReplicasStale();
        // The catch-up bound is far beyond the test's timeout: returning at all proves the write did not wait.
        ctx.catchUpWait = Duration.ofHours(1);

        DataClient.RemoteException refused = assertThrows(DataClient.RemoteException.class,
                () -> write(Requested.REPLICATED, 9, 1, 9));
        assertEquals(ErrorCode.UNAVAILABLE, refused.code());
        assertTrue(refused.getMessage().contains("replicated"), refused.getMessage());
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aWaitingWriteFailsSoonAfterTheLaggingCopysNodeLeavesTheView() throws Exception {
        makeBothReplicasStale();
        ctx.up.add("n2");
        // Far beyond the test's timeout: the write must end because the node went down, not at the bound.
        ctx.catchUpWait = Duration.ofHours(1);
        Thread[] writer = new Thread[1];
        CompletableFuture<Void> writing = new CompletableFuture<>();
        writer[0] = Thread.ofPlatform().daemon().start(() -> {
            try {
                write(Requested.REPLICATED, 9, 1, 9);
                writing.complete(null);
            } catch (Throwable t) {
                writing.completeExceptionally(t);
            }
        });
        await().atMost(Duration.ofSeconds(10)).failFast("the write ended without waiting", writing::isDone)
                .until(() -> writer[0].getState() == Thread.State.TIMED_WAITING);
        ctx.up.remove("n2");
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> writing.get(10, TimeUnit.SECONDS));
        assertEquals(ErrorCode.UNAVAILABLE, ((DataClient.RemoteException) e.getCause()).code());
    }

    @Test
    void aReplicatedWriteGivesUpWhenTheCopyDoesNotCatchUpWithinTheBound() throws IOException {
        makeBothReplicasStale();
        ctx.up.add("n2");
        ctx.catchUpWait = Duration.ofMillis(200);

        assertEquals(ErrorCode.UNAVAILABLE, assertThrows(DataClient.RemoteException.class,
                () -> write(Requested.REPLICATED, 9, 1, 9)).code());
    }

    // ------------------------------------------------------------------ helpers

    /** Both replicas miss a write and go stale; both nodes count as down. */
    private void makeBothReplicasStale() throws IOException {
        write(Requested.REPLICATED, 0, 1, 1);
        transport.faults("n2").refuse();
        transport.faults("n3").refuse();
        ctx.up.clear();
        write(Requested.ACKNOWLEDGED, 1, 1, 2);
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n2").state());
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());
    }

    private void write(Requested level, long block, int blocks, int seed) throws IOException {
        byte[] data = new byte[blocks * BS];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (seed * 31 + i * 7 + 1);
        }
        primary.write(block * BS, ByteBuffer.wrap(data), level);
    }

    /** Ordered operations (sequence number > 0) delivered to a replica, in delivery order. */
    private List<ReplicaOp> ordered(String node) {
        return transport.delivered(node).stream().filter(m -> m instanceof ReplicaOp op && seq(op) > 0).map(m -> (ReplicaOp) m)
                .toList();
    }

    private static long seq(ReplicaOp op) {
        return switch (op) {
            case ReplicaWrite w -> w.seq();
            case ReplicaTrim t -> t.seq();
            default -> 0;
        };
    }

    /** Blocks a replica was sent as content (writes and trims). */
    private RoaringBitmap blocksSent(String node) {
        RoaringBitmap out = new RoaringBitmap();
        for (DataMessage m : transport.delivered(node)) {
            if (m instanceof ReplicaWrite w) {
                out.add(w.offset() / BS, (w.offset() + w.data().length) / BS);
            } else if (m instanceof ReplicaTrim t) {
                out.add(t.offset() / BS, (t.offset() + t.length()) / BS);
            }
        }
        return out;
    }

    private byte[] content(String node) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) SIZE);
        nodes.get(node).copy().read(0, buf);
        return buf.array();
    }

    private void assertCopiesIdentical() throws IOException {
        byte[] mine = content("n1");
        assertArrayEquals(mine, content("n2"), "n2 equals the primary");
        assertArrayEquals(mine, content("n3"), "n3 equals the primary");
    }

    /** The node around one primary: the in-memory transport, a metadata record replica-state commits update, a node-up set. */
    static final class TestContext implements PrimaryContext {
        final AtomicReference<VolumeRecord> record;
        final Map<String, Long> incarnations = new ConcurrentHashMap<>();
        final Set<String> up = ConcurrentHashMap.newKeySet();
        final List<MetaCommand> commits = new CopyOnWriteArrayList<>();
        final ReplicationMetrics metrics = new ReplicationMetrics();
        final Map<String, long[]> cursors = new ConcurrentHashMap<>();
        volatile InMemoryTransport transport;
        volatile ReplicaApplier applier;
        volatile Duration replicaTimeout = Duration.ofSeconds(5);
        volatile Duration catchUpWait = Duration.ofMinutes(10);

        TestContext(VolumeRecord v) {
            record = new AtomicReference<>(v);
        }

        @Override
        public DataTransport client() {
            return transport;
        }

        @Override
        public Optional<HostPort> dataAddress(String nodeId) {
            return Optional.ofNullable(transport.address(nodeId));
        }

        @Override
        public boolean nodeUp(String nodeId) {
            return up.contains(nodeId);
        }

        @Override
        public long incarnation(String nodeId) {
            return incarnations.getOrDefault(nodeId, 0L);
        }

        @Override
        public void commit(MetaCommand command) {
            commits.add(command);
            if (command instanceof MetaCommand.SetReplicaState s) {
                record.updateAndGet(v -> v.withReplicaState(s.nodeId(), s.state()));
            }
        }

        @Override
        public ReplicaApplier applier() {
            return applier;
        }

        @Override
        public Duration replicaTimeout() {
            return replicaTimeout;
        }

        @Override
        public Duration catchUpWait() {
            return catchUpWait;
        }

        @Override
        public int minHealthyCopies(VolumeRecord v) {
            return 1;
        }

        @Override
        public boolean asynchronous(VolumeRecord v) {
            return false;
        }

        @Override
        public void throttleRebuild(long bytes) {
        }

        @Override
        public ReplicationMetrics metrics() {
            return metrics;
        }

        @Override
        public long[] rebuildCursor(UUID volume, String node) {
            return cursors.get(node);
        }

        @Override
        public void saveRebuildCursor(UUID volume, String node, long lastBlock, long incarnation) {
            cursors.put(node, new long[] {lastBlock, incarnation});
        }

        @Override
        public void forgetRebuildCursor(UUID volume, String node) {
            cursors.remove(node);
        }
    }
}
