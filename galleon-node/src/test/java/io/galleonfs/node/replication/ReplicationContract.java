package io.galleonfs.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.StorageFormat;
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
import io.galleonfs.node.blockio.WriteConcern;
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
 * The replication contract: a primary and two replicas in one process, real engines on temporary directories, real
 * {@link ReplicaApplier}s, wired through a {@link ContractNetwork} whose {@link LinkFaults} play the failing, silent,
 * slow and deposing replicas. Each binding runs every case on one transport: {@link InMemoryReplicationContractTest}
 * (in-process) and {@link TcpReplicationContractTest} (the node's Vert.x data plane on loopback).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class ReplicationContract {
    private static final int BS = 4096;
    private static final long SIZE = 1024L * BS;

    @TempDir
    Path dir;

    private final UUID id = UUID.randomUUID();
    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private TestPrimaryContext ctx;
    private ContractNetwork net;
    private PrimaryVolume primary;
    /** Hooks on the first primary's local copy (see {@link HeldLocalCopy}). */
    private final HeldLocalCopy held = new HeldLocalCopy();

    /** The data plane this binding runs on; {@code incarnations} learns what each connection's HELLO reports. */
    abstract ContractNetwork network(DataClient.IncarnationListener incarnations) throws Exception;

    /** The engine format the nodes' storage is created in. */
    String engineFormat() {
        return StorageFormat.LAYERS_V1;
    }

    /**
     * Flips one bit of block {@code block}'s stored bytes in a closed engine root: in the layer file of the layer engine,
     * or in the log segment holding the block's WRITE record (found by its header: volume uuid and block number, see
     * ARCHITECTURE "Log-structured store", the record table; the block's bytes start 56 bytes into the record).
     */
    private void flipAByteOfStoredBlock(Path engineRoot, long block) throws IOException {
        List<Path> files = new ArrayList<>();
        if (engineFormat().equals(StorageFormat.LAYERS_V1)) {
            files.add(engineRoot.resolve("volumes").resolve(id.toString()).resolve("layer-1.data"));
        } else {
            try (java.util.stream.Stream<Path> segments = java.nio.file.Files.list(engineRoot.resolve("store"))) {
                segments.filter(p -> p.getFileName().toString().endsWith(".log")).forEach(files::add);
            }
        }
        ByteBuffer key = ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        key.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).putLong(block);
        int flipped = 0;
        for (Path f : files) {
            long at;
            if (engineFormat().equals(StorageFormat.LAYERS_V1)) {
                at = block * BS + 17;
            } else {
                byte[] bytes = java.nio.file.Files.readAllBytes(f);
                int header = indexOf(bytes, key.array());
                if (header < 0 || bytes[header - 24 + 8] != 1) { // type WRITE
                    continue;
                }
                at = header - 24 + 56 + 17;
            }
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ByteBuffer one = ByteBuffer.allocate(1);
                ch.read(one, at);
                one.flip().put(0, (byte) (one.get(0) ^ 0x40));
                ch.write(one, at);
            }
            flipped++;
        }
        assertEquals(1, flipped, "the block's stored bytes were found exactly once");
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** One node's engine and replica side. */
    private record Node(String id, BlockEngine engine, ReplicaApplier applier, UUID volume) {
        Volume copy() {
            return engine.find(volume).orElseThrow();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        VolumeRecord record = new VolumeRecord(id, "vol", VolumeType.PERSISTENT, SIZE, BS, "default", 3, AccessMode.READ_WRITE_ONCE,
                false, 0, "n1", List.of(), List.of("n1", "n2", "n3"));
        ctx = new TestPrimaryContext(record);
        net = network(ctx.incarnations::put);
        ctx.transport = net.transport();
        ctx.addresses = net::address;
        long incarnation = 100;
        for (String n : List.of("n1", "n2", "n3")) {
            Path root = dir.resolve(n);
            BlockEngine engine = BlockEngine.open(new EngineConfig(root.resolve("engine"), BS, 8L << 20, 16L << 20,
                    FileKeyProvider.openOrCreate(root.resolve("key"))).withFormat(engineFormat()));
            engine.create(id, SIZE, false);
            ReplicaApplier applier = new ReplicaApplier(n, engine, new EpochStore(root.resolve("epochs")), ++incarnation,
                    v -> Optional.of(ctx.record.get()));
            nodes.put(n, new Node(n, engine, applier, id));
            net.register(n, incarnation, (peer, request) -> applier.serve(request));
            if (!n.equals("n1")) {
                ctx.up.add(n);
            }
        }
        ctx.applier = nodes.get("n1").applier();
        primary = new PrimaryVolume(ctx, held.wrap(nodes.get("n1").copy()), record, "n1", 0);
        primary.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        net.close();
        for (Node n : nodes.values()) {
            n.applier().close();
            n.engine().close();
        }
    }

    // ------------------------------------------------------------------ tests

    @Test
    void everyWriteConcernReachesBothReplicasInOrderWithTheSameBytes() throws IOException {
        int writes = 0;
        for (WriteConcern level : WriteConcern.values()) {
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
            assertEquals(LongStream.rangeClosed(1, writes).boxed().toList(), ops.stream().map(ReplicationContract::seq).toList(),
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
        net.faults("n2").delay(Duration.ofMillis(2));
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int writer = t;
            writers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 10; i++) {
                    try {
                        write(WriteConcern.values()[i % 4], writer * 10 + i, 1, writer * 100 + i);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }
            }, r -> Thread.ofVirtual().start(r)));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        for (String replica : List.of("n2", "n3")) {
            assertEquals(LongStream.rangeClosed(1, 40).boxed().toList(), ordered(replica).stream().map(ReplicationContract::seq).toList());
        }
        assertCopiesIdentical();
    }

    @Test
    void aFailingReplicaGoesStaleReplicatedStillSucceedsAndDistributedIsRefused() throws IOException {
        write(WriteConcern.REPLICATED, 0, 1, 1);
        net.faults("n3").refuse();
        ctx.up.remove("n3");

        write(WriteConcern.REPLICATED, 1, 1, 2);

        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());
        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n2").state());
        assertEquals(ReplicaRecord.STALE, ctx.record.get().replicaState("n3").state(), "stale mark committed before the ack");
        DataClient.RemoteException refused = assertThrows(DataClient.RemoteException.class,
                () -> write(WriteConcern.DISTRIBUTED, 2, 1, 3));
        assertEquals(ErrorCode.UNAVAILABLE, refused.code());
        assertTrue(refused.getMessage().contains("distributed"), refused.getMessage());
        assertArrayEquals(content("n1"), content("n2"));
        assertEquals(2, nodes.get("n2").applier().appliedSeq(id));
    }

    @Test
    void aStartedWriteIsAcknowledgedWhereTheLastAnswerArrivesWithoutHoldingTheWriter() throws Exception {
        net.faults("n3").stall();
        CompletableFuture<Void> ack = primary.startWrite(0, ByteBuffer.wrap(new byte[BS]), WriteConcern.ACKNOWLEDGED);
        // Returned to the writer although n3 has not answered: applied here and sent, not acknowledged.
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.get("n2").applier().appliedSeq(id) == 1);
        assertFalse(ack.isDone(), "acknowledged before every in-sync replica answered");
        AtomicReference<Thread> completer = new AtomicReference<>();
        CompletableFuture<Void> seen = ack.thenRun(() -> completer.set(Thread.currentThread()));

        net.faults("n3").release();
        seen.get(10, TimeUnit.SECONDS);
        assertNotEquals(Thread.currentThread(), completer.get());
        assertEquals(1, nodes.get("n3").applier().appliedSeq(id));
        assertTrue(ctx.commits.isEmpty(), "nothing recorded on the way: " + ctx.commits);
    }

    @Test
    void aStartedWriteThatAReplicaRefusedIsAcknowledgedOnlyAfterTheStaleMarkIsRecorded() throws Exception {
        net.faults("n3").refuse();
        ctx.up.remove("n3");
        CompletableFuture<Void> ack = primary.startWrite(0, ByteBuffer.wrap(new byte[BS]), WriteConcern.REPLICATED);
        AtomicReference<String> recordedAtAck = new AtomicReference<>();
        ack.thenRun(() -> recordedAtAck.set(ctx.record.get().replicaState("n3").state())).get(10, TimeUnit.SECONDS);

        assertEquals(ReplicaRecord.STALE, recordedAtAck.get(), "the stale mark is committed before the acknowledgement");
        ctx.metadataReachable = false;
        net.faults("n2").refuse();
        CompletableFuture<Void> refused = primary.startWrite(BS, ByteBuffer.wrap(new byte[BS]), WriteConcern.ACKNOWLEDGED);
        assertEquals(ErrorCode.UNAVAILABLE, assertThrows(DataClient.RemoteException.class, () -> awaitAcknowledgement(refused)).code(),
                "n2 missed it and cannot be marked stale: not acknowledged");
    }

    @Test
    void aReplicaThatNeverAnswersTimesOutAndGoesStale() throws IOException {
        ctx.replicaTimeout = Duration.ofMillis(300);
        net.faults("n3").drop(m -> m instanceof ReplicaWrite);

        write(WriteConcern.REPLICATED, 7, 1, 7);

        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());
        assertEquals(0, nodes.get("n3").applier().appliedSeq(id), "the dropped write never reached n3");
    }

    @Test
    void deltaResyncSendsOnlyTheMissedBlocksAndTheCopiesEndIdentical() throws IOException {
        for (int b = 0; b < 10; b++) {
            write(WriteConcern.REPLICATED, b, 1, b);
        }
        primary.flush();
        net.faults("n3").refuse();
        ctx.up.remove("n3");
        write(WriteConcern.REPLICATED, 20, 1, 20);
        write(WriteConcern.REPLICATED, 21, 2, 21);
        write(WriteConcern.REPLICATED, 20, 1, 22);
        write(WriteConcern.REPLICATED, 40, 1, 40);
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());

        net.faults("n3").heal();
        ctx.up.add("n3");
        net.clearDelivered("n3");
        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertEquals(ReplicaRecord.HEALTHY, ctx.record.get().replicaState("n3").state());
        assertEquals(RoaringBitmap.bitmapOf(20, 21, 22, 40), blocksSent("n3"), "only the missed blocks are sent");
        assertEquals(4L * BS, primary.resyncBytes("n3"));
        assertCopiesIdentical();

        // Back in the ordered stream: the next write reaches it with the next sequence number.
        write(WriteConcern.DISTRIBUTED, 50, 1, 50);
        assertEquals(primary.seq(), nodes.get("n3").applier().appliedSeq(id));
        assertCopiesIdentical();
    }

    @Test
    void aReplicaThatMissedASnapshotIsRebuiltFromAResetAndEndsIdentical() throws IOException {
        for (int b = 0; b < 6; b++) {
            write(WriteConcern.REPLICATED, b * 3, 1, b);
        }
        net.faults("n3").refuse();
        ctx.up.remove("n3");
        write(WriteConcern.REPLICATED, 30, 1, 30);
        primary.createSnapshot("s1");
        write(WriteConcern.REPLICATED, 31, 1, 31);
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());

        net.faults("n3").heal();
        ctx.up.add("n3");
        net.clearDelivered("n3");
        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertTrue(net.delivered("n3").stream().anyMatch(m -> m instanceof DataMessage.ReplicaReset),
                "a replica that missed a structural operation starts over from a reset");
        assertEquals(RoaringBitmap.bitmapOf(0, 3, 6, 9, 12, 15, 30, 31), blocksSent("n3"), "only allocated blocks are copied");
        assertEquals(0, primary.resyncBytes("n3"));
        write(WriteConcern.DISTRIBUTED, 40, 1, 40);
        assertCopiesIdentical();
    }

    @Test
    void scrubRewritesADivergentReplicaBlockFromThePrimary() throws IOException {
        for (int b = 0; b < 4; b++) {
            write(WriteConcern.REPLICATED, b, 1, b);
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
        write(WriteConcern.REPLICATED, 0, 1, 1);
        // A new primary took over on n2: its takeover fence raises the epoch n2 accepts.
        nodes.get("n2").applier().apply(new Fence(id, 2, 1)).toCompletableFuture().get(5, TimeUnit.SECONDS);

        DataClient.RemoteException deposed = assertThrows(DataClient.RemoteException.class,
                () -> write(WriteConcern.ACKNOWLEDGED, 1, 1, 2));
        assertEquals(ErrorCode.NOT_PRIMARY, deposed.code());
        assertTrue(primary.fenced());

        int sent = net.delivered("n2").size() + net.delivered("n3").size();
        DataClient.RemoteException later = assertThrows(DataClient.RemoteException.class,
                () -> write(WriteConcern.ACKNOWLEDGED, 2, 1, 3));
        assertEquals(ErrorCode.NOT_PRIMARY, later.code());
        assertEquals(ErrorCode.NOT_PRIMARY, assertThrows(DataClient.RemoteException.class,
                () -> primary.read(0, ByteBuffer.allocate(BS))).code());
        assertEquals(sent, net.delivered("n2").size() + net.delivered("n3").size(), "a fenced primary ships nothing");
        assertEquals(1, nodes.get("n2").applier().appliedSeq(id), "n2 refused the deposed primary's write");
    }

    @Test
    void aStaleEpochAnswerFromAnyReplicaFencesThePrimary() {
        net.faults("n3").answer(m -> m instanceof ReplicaWrite, ErrorCode.STALE_EPOCH);

        assertEquals(ErrorCode.NOT_PRIMARY, assertThrows(DataClient.RemoteException.class,
                () -> write(WriteConcern.REPLICATED, 0, 1, 1)).code());
        assertEquals(ErrorCode.NOT_PRIMARY, assertThrows(DataClient.RemoteException.class,
                () -> write(WriteConcern.ACKNOWLEDGED, 1, 1, 2)).code());
        assertTrue(primary.fenced());
    }

    @Test
    void aStalledReplicaHoldsTheWriteUntilReleasedThenGetsEverythingInOrder() throws Exception {
        net.faults("n3").stall();
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                write(WriteConcern.REPLICATED, 0, 1, 1);
                write(WriteConcern.REPLICATED, 1, 1, 2);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        await().atMost(Duration.ofSeconds(10)).until(() -> nodes.get("n2").applier().appliedSeq(id) == 1);
        assertFalse(writing.isDone(), "a synchronous write waits for every in-sync replica");
        assertEquals(0, nodes.get("n3").applier().appliedSeq(id));

        net.faults("n3").release();
        writing.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(1L, 2L), ordered("n3").stream().map(ReplicationContract::seq).toList());
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
                write(WriteConcern.REPLICATED, 9, 1, 9);
                writing.complete(null);
            } catch (Throwable t) {
                writing.completeExceptionally(t);
            }
        });
        // Parked in the catch-up wait (not failed): the write needs a copy that a resync can bring back.
        await().atMost(Duration.ofSeconds(10)).failFast("the write ended without waiting for the copy to catch up", writing::isDone)
                .until(() -> writer[0].getState() == Thread.State.TIMED_WAITING);

        net.faults("n2").heal();
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
                () -> write(WriteConcern.REPLICATED, 9, 1, 9));
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
                write(WriteConcern.REPLICATED, 9, 1, 9);
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
                () -> write(WriteConcern.REPLICATED, 9, 1, 9)).code());
    }

    @Test
    void anInterruptedRebuildResumesAfterItsLastCheckpointWithoutAReset() throws IOException {
        interruptARebuildOfN3AfterItsFirstCheckpoint();
        // Written while the copy waits for the rebuild to resume, before its cursor: resent too.
        write(WriteConcern.ACKNOWLEDGED, 5, 1, 5000);

        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertFalse(net.delivered("n3").stream().anyMatch(m -> m instanceof DataMessage.ReplicaReset), "resumed, not restarted");
        RoaringBitmap resent = blocksSent("n3");
        assertEquals(1, resent.rangeCardinality(0, 256), "of the first batch, flushed there before the interruption, only the "
                + "block written since is sent again: " + resent);
        assertTrue(resent.contains(5), resent.toString());
        assertTrue(resent.contains(256L, 600L) && resent.contains(700), resent.toString());
        assertCopiesIdentical();
    }

    @Test
    void aRebuildInterruptedByACrashOfThePrimaryResumesAndResendsWhatThePrimaryMayHaveLost() throws Exception {
        interruptARebuildOfN3AfterItsFirstCheckpoint();
        // The crash: n3 holds a write to block 5 (under its first checkpoint's cursor) that the primary acknowledged but
        // never made durable, so its copy came back with the old bytes there.
        long epoch = ctx.record.get().epoch();
        byte[] lost = new byte[BS];
        java.util.Arrays.fill(lost, (byte) 0x5A);
        nodes.get("n3").applier().apply(new ReplicaWrite(id, epoch, 0, 5L * BS, false, lost)).toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        restartPrimaryAfterACrash();

        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertFalse(net.delivered("n3").stream().anyMatch(m -> m instanceof DataMessage.ReplicaReset), "resumed, not restarted");
        RoaringBitmap resent = blocksSent("n3");
        assertEquals(1, resent.rangeCardinality(0, 256), "under the cursor only the block written there since: " + resent);
        assertTrue(resent.contains(5), resent.toString());
        assertTrue(resent.contains(256L, 600L) && resent.contains(700), resent.toString());
        assertCopiesIdentical();
    }

    @Test
    void aRebuildIsNotResumedAfterAnotherPrimaryHeldTheVolume() throws Exception {
        interruptARebuildOfN3AfterItsFirstCheckpoint();
        VolumeRecord v = ctx.record.get();
        // Another node was promoted meanwhile and this one later took the volume back: the epoch moved, so the copy
        // may have changed under the cursor in ways n3 never saw.
        ctx.record.set(new VolumeRecord(v.id(), v.name(), v.volumeType(), v.sizeBytes(), v.blockSize(), v.storageClass(),
                v.replicas(), v.accessMode(), v.encrypted(), v.createdAtMillis(), v.node(), v.mounts(), v.replicaNodes(),
                v.epoch() + 2, v.replicaStates()));
        restartPrimaryAfterACrash();

        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertTrue(net.delivered("n3").stream().anyMatch(m -> m instanceof DataMessage.ReplicaReset), "started over");
        assertCopiesIdentical();
    }

    /** n3 misses a snapshot, and its rebuild stops after the first checkpoint (blocks 0-255 copied, flushed, saved). */
    private void interruptARebuildOfN3AfterItsFirstCheckpoint() throws IOException {
        for (int b = 0; b < 600; b += 100) {
            write(WriteConcern.ACKNOWLEDGED, b, 100, b);
        }
        net.faults("n3").refuse();
        ctx.up.remove("n3");
        write(WriteConcern.REPLICATED, 700, 1, 700);
        primary.createSnapshot("s1");
        net.faults("n3").heal();
        ctx.up.add("n3");
        ctx.checkpointBatches = 1;
        ctx.replicaTimeout = Duration.ofMillis(300);
        net.faults("n3").drop(m -> m instanceof ReplicaWrite w && w.seq() == 0 && w.offset() + w.data().length > 300L * BS);
        primary.syncReplicas(ctx.up::contains);
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state(), "the rebuild was interrupted");
        assertEquals(255, ctx.cursors.get("n3").lastBlock(), "the first checkpoint was saved");
        net.faults("n3").heal();
        net.clearDelivered("n3");
        ctx.replicaTimeout = Duration.ofSeconds(5);
    }

    /** Stops the primary, flips a bit of block 2's stored bytes in its engine, and starts it again at the same seq. */
    private void restartPrimaryWithABitFlippedInBlock2() throws IOException {
        long seq = primary.seq();
        Node n1 = nodes.get("n1");
        n1.engine().close();
        flipAByteOfStoredBlock(dir.resolve("n1").resolve("engine"), 2);
        BlockEngine reopened = BlockEngine.open(new EngineConfig(dir.resolve("n1").resolve("engine"), BS, 8L << 20, 16L << 20,
                FileKeyProvider.openOrCreate(dir.resolve("n1").resolve("key"))).withFormat(engineFormat()));
        nodes.put("n1", new Node("n1", reopened, n1.applier(), id));
        assertEquals(List.of(2L), nodes.get("n1").copy().verify().badBlocks(), "the flipped byte is in block 2");
        primary = new PrimaryVolume(ctx, nodes.get("n1").copy(), ctx.record.get(), "n1", seq);
        primary.start();
    }

    /** A new primary process on n1's copy: the in-memory links are gone, the saved cursors (files) and metadata stay. */
    private void restartPrimaryAfterACrash() {
        long seq = primary.seq();
        primary.fence("crashed");
        primary = new PrimaryVolume(ctx, nodes.get("n1").copy(), ctx.record.get(), "n1", seq);
        primary.start();
    }

    @Test
    void aBlockFailingItsChecksumOnThePrimaryIsRepairedFromAReplicaOnRead() throws Exception {
        write(WriteConcern.REPLICATED, 0, 4, 1);
        primary.flush();
        byte[] expected = content("n1");
        restartPrimaryWithABitFlippedInBlock2();

        ByteBuffer got = ByteBuffer.allocate(4 * BS);
        primary.read(0, got);

        assertArrayEquals(java.util.Arrays.copyOf(expected, 4 * BS), got.array());
        assertEquals(1, ctx.metrics.repairedBlocks.sum());
        assertCopiesIdentical();
    }

    /**
     * A stale replica is caught up while the primary's own copy of a block it missed fails its checksum: the block is
     * repaired from the other, in-sync replica first, and the stale one gets the good bytes (it used to fail every
     * catch-up for good). Without an in-sync copy to repair from, the catch-up fails and the replica is not healthy.
     */
    @Test
    void aStaleReplicaIsCaughtUpPastABlockThatFailsItsChecksumOnThePrimary() throws Exception {
        write(WriteConcern.REPLICATED, 0, 2, 1);
        net.faults("n3").refuse();
        ctx.up.remove("n3");
        write(WriteConcern.REPLICATED, 2, 1, 2); // n3 misses block 2; n2 holds it
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());
        primary.flush();
        restartPrimaryWithABitFlippedInBlock2();

        // With n2 away too, nothing can vouch for block 2: the catch-up fails and n3 is not healthy.
        net.faults("n2").refuse();
        ctx.up.remove("n2");
        net.faults("n3").heal();
        ctx.up.add("n3");
        primary.syncReplicas(ctx.up::contains);
        assertNotEquals(ReplicaRecord.HEALTHY, ctx.record.get().replicaState("n3").state(), "no good copy of block 2 to send");
        assertEquals(0, ctx.metrics.repairedBlocks.sum());

        net.faults("n2").heal();
        ctx.up.add("n2");
        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertEquals(ReplicaRecord.HEALTHY, ctx.record.get().replicaState("n3").state());
        assertEquals(1, ctx.metrics.repairedBlocks.sum(), "block 2 repaired on the primary from n2");
        assertEquals(List.of(), nodes.get("n1").copy().verify().badBlocks());
        assertCopiesIdentical();
    }

    @Test
    void aDeltaResyncThatLosesABatchSendsItAgainNextTime() throws IOException {
        write(WriteConcern.REPLICATED, 0, 1, 1);
        net.faults("n3").refuse();
        ctx.up.remove("n3");
        write(WriteConcern.REPLICATED, 20, 2, 20);
        net.faults("n3").heal();
        ctx.up.add("n3");
        ctx.replicaTimeout = Duration.ofMillis(300);
        java.util.concurrent.atomic.AtomicInteger lose = new java.util.concurrent.atomic.AtomicInteger(1);
        net.faults("n3").drop(m -> m instanceof ReplicaWrite w && w.seq() == 0 && lose.getAndDecrement() > 0);
        primary.syncReplicas(ctx.up::contains);
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state(), "the resync lost its batch");

        net.faults("n3").heal();
        ctx.replicaTimeout = Duration.ofSeconds(5);
        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertCopiesIdentical();
    }

    @Test
    void aStaleMarkThatCouldNotBeRecordedIsRecordedBeforeTheNextAcknowledgement() throws IOException {
        write(WriteConcern.REPLICATED, 0, 1, 1);
        net.faults("n3").refuse();
        ctx.up.remove("n3");
        ctx.metadataReachable = false;
        assertEquals(ErrorCode.UNAVAILABLE, assertThrows(DataClient.RemoteException.class,
                () -> write(WriteConcern.ACKNOWLEDGED, 1, 1, 2)).code(), "n3 missed it and cannot be marked stale");
        // The primary already counts n3 out, but metadata still calls it healthy: a failover could promote it, so
        // nothing it misses may be acknowledged until that changes.
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());
        assertEquals(ReplicaRecord.HEALTHY, ctx.record.get().replicaState("n3").state());
        assertThrows(DataClient.RemoteException.class, () -> write(WriteConcern.ACKNOWLEDGED, 2, 1, 3));

        ctx.metadataReachable = true;
        write(WriteConcern.ACKNOWLEDGED, 3, 1, 4);
        assertEquals(ReplicaRecord.STALE, ctx.record.get().replicaState("n3").state(), "recorded before the acknowledgement");
    }

    @Test
    void everyReplicaThatMissedAWriteGoesStaleEvenWhenRecordingTheFirstOneFails() {
        net.faults("n2").refuse();
        net.faults("n3").refuse();
        ctx.metadataReachable = false;

        assertThrows(DataClient.RemoteException.class, () -> write(WriteConcern.ACKNOWLEDGED, 1, 1, 2));

        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n2").state());
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state(), "not left in sync after missing the write");
    }

    @Test
    void aReplicaMarkedAwayByTheLinkCheckIsRecordedBeforeAWriteItMissesIsAcknowledged() throws IOException {
        write(WriteConcern.REPLICATED, 0, 1, 1);
        net.faults("n3").refuse();
        ctx.up.remove("n3");
        ctx.metadataReachable = false;
        primary.checkLinks(ctx.up::contains);
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());

        assertThrows(DataClient.RemoteException.class, () -> write(WriteConcern.REPLICATED, 1, 1, 2),
                "the stale mark is not in metadata yet: n3 could be promoted without this write");
        ctx.metadataReachable = true;
        write(WriteConcern.REPLICATED, 2, 1, 3);
        assertEquals(ReplicaRecord.STALE, ctx.record.get().replicaState("n3").state());
    }


    // ------------------------------------------------------------------ the ordering rule (ARCHITECTURE, Replication: Ordering)
    //
    // Each case holds the primary's own write of one operation back (HeldLocalCopy) while an operation ordered after it
    // runs on another thread, and releases it once that later operation finished or after a bound, whichever comes
    // first. A primary that let the later operation overtake the held write on its own copy (the replicas apply both in
    // sequence order) ends with other bytes than its replicas, or a snapshot without the earlier write: these cases
    // fail then. A primary that is right either runs the later operation only after the held write (the bound expires)
    // or makes it wait for it.

    @Test
    void aLaterOverlappingWriteNeverOvertakesAnEarlierOneOnThePrimary() throws Exception {
        whileTheWriteIsHeldHere(10, 2, () -> write(WriteConcern.ACKNOWLEDGED, 11, 1, 2));

        assertArrayEquals(pattern(2, BS), block("n1", 11), "the write ordered last wins here too");
        assertCopiesIdentical();
        assertEquals(Map.of("n2", ReplicaRecord.HEALTHY_COPY, "n3", ReplicaRecord.HEALTHY_COPY), primary.linkStates());
    }

    @Test
    void aLaterOverlappingTrimNeverOvertakesAnEarlierWriteOnThePrimary() throws Exception {
        whileTheWriteIsHeldHere(10, 2, () -> primary.trim(11L * BS, BS));

        assertArrayEquals(new byte[BS], block("n1", 11), "the trim ordered last wins here too");
        assertCopiesIdentical();
    }

    @Test
    void aSnapshotHoldsEveryWriteOrderedBeforeItOnEveryCopy() throws Exception {
        whileTheWriteIsHeldHere(20, 1, () -> primary.createSnapshot("after-20"));
        write(WriteConcern.ACKNOWLEDGED, 20, 1, 99);

        byte[] expected = pattern(1, BS);
        for (String n : List.of("n1", "n2", "n3")) {
            ByteBuffer got = ByteBuffer.allocate(BS);
            nodes.get(n).copy().readSnapshot("after-20", 20L * BS, got);
            assertArrayEquals(expected, got.array(), "the snapshot on " + n + " holds the write ordered before it");
        }
        assertCopiesIdentical();
    }

    @Test
    void aRestoreIsNotUndoneByAWriteOrderedBeforeIt() throws Exception {
        primary.createSnapshot("empty");
        whileTheWriteIsHeldHere(30, 1, () -> primary.restore("empty"));

        assertArrayEquals(new byte[BS], block("n1", 30), "the restore ordered last wins here too");
        assertCopiesIdentical();
    }

    @Test
    void aDeltaResyncSendsTheBytesOfAWriteOrderedBeforeIt() throws Exception {
        write(WriteConcern.REPLICATED, 0, 1, 1);
        net.faults("n3").refuse();
        ctx.up.remove("n3");
        write(WriteConcern.REPLICATED, 1, 1, 2);
        net.faults("n3").heal();
        ctx.up.add("n3");

        whileTheWriteIsHeldHere(40, 1, () -> primary.syncReplicas(ctx.up::contains));
        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertCopiesIdentical();
    }

    @Test
    void aRebuildCopiesABlockFirstWrittenByAWriteOrderedBeforeIt() throws Exception {
        write(WriteConcern.REPLICATED, 0, 1, 1);
        net.faults("n3").refuse();
        ctx.up.remove("n3");
        primary.createSnapshot("s1");
        net.faults("n3").heal();
        ctx.up.add("n3");

        whileTheWriteIsHeldHere(50, 1, () -> primary.syncReplicas(ctx.up::contains));
        primary.syncReplicas(ctx.up::contains);

        assertEquals(ReplicaRecord.HEALTHY, primary.linkStates().get("n3").state());
        assertCopiesIdentical();
    }

    @Test
    void aWriteThatFailsHereAfterTheReplicasMayHaveItConvergesOnThePrimarysBytes() throws Exception {
        write(WriteConcern.REPLICATED, 60, 1, 1);
        held.onWrite(offset -> {
            if (offset == 60L * BS) {
                throw new IOException("injected: the primary's own write failed");
            }
        });
        assertThrows(IOException.class, () -> write(WriteConcern.REPLICATED, 60, 1, 2));
        held.onWrite(offset -> {
        });

        primary.syncReplicas(ctx.up::contains);

        assertArrayEquals(pattern(1, BS), block("n1", 60), "the failed write is not here");
        assertEquals(Map.of("n2", ReplicaRecord.HEALTHY_COPY, "n3", ReplicaRecord.HEALTHY_COPY), primary.linkStates());
        assertCopiesIdentical();
        write(WriteConcern.DISTRIBUTED, 61, 1, 3);
        assertCopiesIdentical();
    }

    @Test
    void aWriteOfPartOfABlockThatFailsHereReachesNoReplica() throws Exception {
        write(WriteConcern.REPLICATED, 62, 1, 1);
        long before = primary.seq();
        held.onWrite(offset -> {
            if (offset == 62L * BS + 100) {
                throw new IOException("injected: the rest of the block could not be read here");
            }
        });
        assertThrows(IOException.class, () -> primary.write(62L * BS + 100, ByteBuffer.wrap(new byte[10]), WriteConcern.REPLICATED));
        held.onWrite(offset -> {
        });

        assertEquals(before, primary.seq(), "nothing was ordered");
        assertEquals(before, nodes.get("n2").applier().appliedSeq(id));
        assertEquals(Map.of("n2", ReplicaRecord.HEALTHY_COPY, "n3", ReplicaRecord.HEALTHY_COPY), primary.linkStates(),
                "a copy the primary may not be able to read back is not made to depend on a resync of it");
        assertCopiesIdentical();
    }

    @Test
    void concurrentOverlappingWritersEndWithIdenticalCopies() throws Exception {
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int writer = t;
            writers.add(CompletableFuture.runAsync(() -> {
                java.util.Random r = new java.util.Random(writer);
                for (int i = 0; i < 40; i++) {
                    try {
                        int block = 70 + r.nextInt(12);
                        if (i % 9 == 8) {
                            primary.trim((long) block * BS, 2L * BS);
                        } else if (i % 13 == 12) {
                            // Parts of two blocks: applied here before it is sent (the engine reads the rest of them).
                            primary.write((long) block * BS + 7, ByteBuffer.wrap(pattern(writer * 1000 + i, 5000)),
                                    WriteConcern.values()[i % 4]);
                        } else {
                            write(WriteConcern.values()[i % 4], block, 1 + r.nextInt(3), writer * 1000 + i);
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }
            }, r -> Thread.ofVirtual().start(r)));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);

        assertEquals(Map.of("n2", ReplicaRecord.HEALTHY_COPY, "n3", ReplicaRecord.HEALTHY_COPY), primary.linkStates());
        assertEquals(LongStream.rangeClosed(1, 320).boxed().toList(), ordered("n2").stream().map(ReplicationContract::seq).toList());
        assertCopiesIdentical();
    }

    @FunctionalInterface
    private interface Operation {
        void run() throws IOException;
    }

    /**
     * Writes {@code blocks} blocks from {@code block} (pattern 1, acknowledged) with the primary's own write of them
     * held back, runs {@code later} on another thread once that write is held, and releases it when
     * {@code later} finished or after a second; returns once both finished.
     */
    private void whileTheWriteIsHeldHere(long block, int blocks, Operation later) throws Exception {
        CompletableFuture<Void> laterDone = new CompletableFuture<>();
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        held.onWrite(offset -> {
            if (offset == block * BS && once.compareAndSet(false, true)) {
                holding.countDown();
                try {
                    laterDone.get(1, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // the later operation waits for this write (as it should) or failed: release it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try {
            CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
                try {
                    write(WriteConcern.ACKNOWLEDGED, block, blocks, 1);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
            assertTrue(holding.await(20, TimeUnit.SECONDS), "the first write reached the primary's copy");
            CompletableFuture<Void> second = CompletableFuture.runAsync(() -> {
                try {
                    later.run();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
            second.whenComplete((v, e) -> laterDone.complete(null));
            first.get(30, TimeUnit.SECONDS);
            second.get(30, TimeUnit.SECONDS);
        } finally {
            held.onWrite(offset -> {
            });
        }
    }

    private static byte[] pattern(int seed, int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (seed * 31 + i * 7 + 1);
        }
        return data;
    }

    private byte[] block(String node, long block) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BS);
        nodes.get(node).copy().read(block * BS, buf);
        return buf.array();
    }

    // ------------------------------------------------------------------ helpers

    /** Both replicas miss a write and go stale; both nodes count as down. */
    private void makeBothReplicasStale() throws IOException {
        write(WriteConcern.REPLICATED, 0, 1, 1);
        net.faults("n2").refuse();
        net.faults("n3").refuse();
        ctx.up.clear();
        write(WriteConcern.ACKNOWLEDGED, 1, 1, 2);
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n2").state());
        assertEquals(ReplicaRecord.STALE, primary.linkStates().get("n3").state());
    }

    /**
     * Writes through one of the two acknowledgement paths: even seeds with {@link PrimaryVolume#write} (judged on the
     * writing thread), odd ones with {@link PrimaryVolume#startWrite} (judged where the last answer arrives, the NBD
     * path), so the cases' faults meet both.
     */
    private void write(WriteConcern level, long block, int blocks, int seed) throws IOException {
        byte[] data = new byte[blocks * BS];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (seed * 31 + i * 7 + 1);
        }
        if ((seed & 1) == 0) {
            primary.write(block * BS, ByteBuffer.wrap(data), level);
        } else {
            awaitAcknowledgement(primary.startWrite(block * BS, ByteBuffer.wrap(data), level));
        }
    }

    /** Waits for a started write's acknowledgement and throws what the blocking write would have thrown. */
    private static void awaitAcknowledgement(CompletableFuture<Void> ack) throws IOException {
        try {
            ack.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new AssertionError("a started write failed with " + e.getCause(), e.getCause());
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no acknowledgement of a started write", e);
        }
    }

    /** Ordered operations (sequence number > 0) delivered to a replica, in delivery order. */
    private List<ReplicaOp> ordered(String node) {
        return net.delivered(node).stream().filter(m -> m instanceof ReplicaOp op && seq(op) > 0).map(m -> (ReplicaOp) m)
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
        for (DataMessage m : net.delivered(node)) {
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
}
