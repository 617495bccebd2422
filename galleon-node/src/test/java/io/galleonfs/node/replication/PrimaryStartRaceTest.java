package io.galleonfs.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.NodeRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real {@link ReplicationService}s on loopback TCP sharing one in-process metadata state, delivered to each in
 * order on a listener thread as the node's Raft listener does. A proxy in front of one node's data plane holds the new
 * primary's takeover mid-way, so a metadata change provably lands while the primary is starting (the race a graceful
 * leave hit in CI: the primary kept serving the replica set it started with). And a primary whose storage is missing.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PrimaryStartRaceTest {
    private static final int BS = 4096;
    private static final long SIZE = 256L * BS;

    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private final SharedMetadata meta = new SharedMetadata();
    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private final List<AutoCloseable> closeFirst = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeFirst) {
            c.close();
        }
        for (AutoCloseable c : closeLast) {
            c.close();
        }
        meta.listener.shutdownNow();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aReplicaMovedWhileThePrimaryTakesOverIsRebuiltOnItsNewNodeAndTheOldOneIsForgotten() throws Exception {
        BuiltInStorageClasses.all().forEach(sc -> meta.submit(new MetaCommand.CreateStorageClass(sc)));
        HoldingProxy toB = new HoldingProxy();
        closeFirst.add(toB);
        Node a = node("a", freePort());
        Node b = node("b", freePort());
        Node c = node("c", freePort());
        toB.target = b.dataPort;
        register(a, a.dataPort);
        register(b, toB.port());
        register(c, c.dataPort);

        UUID id = UUID.randomUUID();
        a.engine.create(id, SIZE, false);
        b.engine.create(id, SIZE, false);
        for (Node n : List.of(a, b, c)) {
            n.service.start(new HostPort("127.0.0.1", n.dataPort));
        }

        meta.submit(new MetaCommand.CreateVolume(new VolumeRecord(id, "v", VolumeType.PERSISTENT, SIZE, BS,
                BuiltInStorageClasses.FAST_LOCAL_SSD, 2, AccessMode.READ_WRITE_ONCE, false, 1_700_000_000_000L, "a", List.of(),
                List.of("a", "b"))));
        assertTrue(toB.arrived.await(30, TimeUnit.SECONDS), "a's takeover asks b how far it is");
        // The takeover waits on b's answer: move b's copy to c now, and let a's listener see it before b answers.
        assertInstanceOf(MetaResult.Applied.class, meta.submit(new MetaCommand.MoveReplica(id, 1, "b", "c")));
        meta.drainListener();
        toB.release.countDown();

        await("the copy on c is rebuilt and recorded healthy").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50))
                .until(() -> meta.state().volume(id).map(v -> v.replicaState("c").healthy()).orElse(false));
        VolumeRecord v = meta.state().volume(id).orElseThrow();
        assertEquals(List.of("a", "c"), v.replicaNodes());
        Map<String, io.galleonfs.node.meta.ReplicaRecord> live = a.service.liveStates(id).orElseThrow();
        assertFalse(live.containsKey("b"), "the primary forgot the copy that moved away: " + live);
        // The new copy is in the ordered stream: a replicated write is on c when it is acknowledged.
        byte[] data = new byte[8 * BS];
        new java.util.Random(7).nextBytes(data);
        a.service.write(v, 0, ByteBuffer.wrap(data), WriteConcern.REPLICATED);
        ByteBuffer onC = ByteBuffer.allocate(data.length);
        c.engine.find(id).orElseThrow().read(0, onC);
        assertArrayEquals(data, onC.array(), "c holds the acknowledged write");
    }

    @Test
    void aPrimaryWhoseStorageIsMissingHandsTheVolumeToAHealthyReplicaAndItsCopyIsRebuilt() throws Exception {
        BuiltInStorageClasses.all().forEach(sc -> meta.submit(new MetaCommand.CreateStorageClass(sc)));
        Node a = node("a", freePort());
        Node b = node("b", freePort());
        register(a, a.dataPort);
        register(b, b.dataPort);
        UUID id = UUID.randomUUID();
        // Only b holds the volume's bytes: a's copy is gone (a lost disk) or was never created (its creation failed).
        byte[] data = new byte[8 * BS];
        new java.util.Random(11).nextBytes(data);
        b.engine.create(id, SIZE, false);
        b.engine.find(id).orElseThrow().write(3 * BS, ByteBuffer.wrap(data), io.galleonfs.engine.WriteConcern.DURABLE);
        for (Node n : List.of(a, b)) {
            n.service.start(new HostPort("127.0.0.1", n.dataPort));
        }

        meta.submit(new MetaCommand.CreateVolume(new VolumeRecord(id, "v", VolumeType.PERSISTENT, SIZE, BS,
                BuiltInStorageClasses.FAST_LOCAL_SSD, 2, AccessMode.READ_WRITE_ONCE, false, 1_700_000_000_000L, "a", List.of(),
                List.of("a", "b"))));

        await("b takes over as primary").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> meta.state().volume(id).map(VolumeRecord::node).orElse("").equals("b"));
        assertEquals(2, meta.state().volume(id).orElseThrow().epoch());
        await("a's copy is rebuilt from b and recorded healthy").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50))
                .until(() -> meta.state().volume(id).map(v -> v.replicaState("a").healthy()).orElse(false));
        ByteBuffer onA = ByteBuffer.allocate(data.length);
        a.engine.find(id).orElseThrow().read(3 * BS, onA);
        assertArrayEquals(data, onA.array(), "a holds b's bytes again");
        assertTrue(a.service.liveStates(id).isEmpty(), "a does not serve the volume any more");
    }

    /**
     * The volume moves to another node while its primary still waits for its missing storage: the answer is NOT_PRIMARY
     * naming the new primary (it used to be "no storage ... no healthy replica is up", with the new primary serving).
     */
    @Test
    void aPrimaryWaitingForItsStorageWhileTheVolumeMovesAnswersNotPrimaryNamingTheNewOne() throws Exception {
        BuiltInStorageClasses.all().forEach(sc -> meta.submit(new MetaCommand.CreateStorageClass(sc)));
        Node a = node("a", freePort(), Duration.ofSeconds(5));
        Node b = node("b", freePort());
        register(a, a.dataPort);
        register(b, b.dataPort);
        UUID id = UUID.randomUUID();
        b.engine.create(id, SIZE, false);
        for (Node n : List.of(a, b)) {
            n.service.start(new HostPort("127.0.0.1", n.dataPort));
        }
        meta.submit(new MetaCommand.CreateVolume(new VolumeRecord(id, "v", VolumeType.PERSISTENT, SIZE, BS,
                BuiltInStorageClasses.FAST_LOCAL_SSD, 2, AccessMode.READ_WRITE_ONCE, false, 1_700_000_000_000L, "a", List.of(),
                List.of("a", "b"))));
        // a is waiting up to 5 s for its storage; meanwhile b takes the volume over (an operator's move, a failover).
        java.util.concurrent.CompletableFuture<PrimaryVolume> answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return a.service.primary(id);
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        meta.submit(new MetaCommand.PromotePrimary(id, 1, "b"));

        Throwable failure = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> answer.get(30, java.util.concurrent.TimeUnit.SECONDS)).getCause();
        DataClient.RemoteException notPrimary = assertInstanceOf(DataClient.RemoteException.class, failure, String.valueOf(failure));
        assertEquals(DataMessage.ErrorCode.NOT_PRIMARY, notPrimary.code(), notPrimary.getMessage());
        assertTrue(notPrimary.getMessage().contains("node b is"), notPrimary.getMessage());
    }

    // ------------------------------------------------------------------ harness

    private record Node(String id, int dataPort, BlockEngine engine, ReplicationService service) {
    }

    private Node node(String id, int dataPort) throws Exception {
        return node(id, dataPort, Duration.ofSeconds(1));
    }

    private Node node(String id, int dataPort, Duration storageWait) throws Exception {
        Path root = dir.resolve(id);
        BlockEngine engine = BlockEngine.open(new EngineConfig(root.resolve("engine"), BS, 8L << 20, 16L << 20,
                FileKeyProvider.openOrCreate(root.resolve("key"))));
        closeLast.add(engine);
        ReplicationService.Settings settings = new ReplicationService.Settings(Duration.ofSeconds(20), Duration.ofSeconds(30), 1,
                false, 200L << 20, Duration.ofMillis(100), Duration.ofMinutes(10), storageWait);
        ReplicationService service = new ReplicationService(vertx, meta.view(id), engine, root.resolve("replication"), settings,
                v -> Optional.empty());
        closeFirst.add(service);
        meta.services.add(service);
        return new Node(id, dataPort, engine, service);
    }

    private void register(Node n, int advertisedDataPort) {
        String bind = "127.0.0.1:" + (advertisedDataPort - ReplicationService.DATA_PORT_OFFSET);
        meta.submit(new MetaCommand.RegisterNode(new NodeRecord(n.id, bind, bind, "z", Map.of(), 1L << 30, 0)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** One metadata state for all nodes; every applied command reaches each node's listener in order, off the caller. */
    private static final class SharedMetadata {
        final List<ReplicationService> services = new CopyOnWriteArrayList<>();
        final ExecutorService listener = Executors.newSingleThreadExecutor();
        private volatile MetadataState current = new MetadataState();

        MetadataState state() {
            return current;
        }

        synchronized MetaResult submit(MetaCommand command) {
            MetadataState next = current.copy();
            MetaResult r = next.apply(command);
            if (r instanceof MetaResult.Applied) {
                current = next;
                listener.execute(() -> services.forEach(s -> s.onMetadata(next)));
            }
            return r;
        }

        void drainListener() throws Exception {
            listener.submit(() -> { }).get(10, TimeUnit.SECONDS);
        }

        ClusterView view(String nodeId) {
            return new ClusterView() {
                @Override
                public String nodeId() {
                    return nodeId;
                }

                @Override
                public MetadataState state() {
                    return current;
                }

                @Override
                public MetaResult submit(MetaCommand command) {
                    return SharedMetadata.this.submit(command);
                }

                @Override
                public boolean isLeader() {
                    return false;
                }

                @Override
                public Map<String, String> memberStates() {
                    return Map.of("a", "up", "b", "up", "c", "up");
                }
            };
        }
    }

    /** Forwards TCP to {@link #target}, holding the first bytes any client sends until {@link #release} opens. */
    private static final class HoldingProxy implements AutoCloseable {
        final CountDownLatch arrived = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile int target;
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        HoldingProxy() throws IOException {
            Thread.ofVirtual().start(this::acceptLoop);
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            try {
                while (true) {
                    Socket client = server.accept();
                    Socket upstream = new Socket();
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target));
                    sockets.add(client);
                    sockets.add(upstream);
                    Thread.ofVirtual().start(() -> pump(client, upstream, true));
                    Thread.ofVirtual().start(() -> pump(upstream, client, false));
                }
            } catch (IOException closed) {
                // the test is over
            }
        }

        private void pump(Socket from, Socket to, boolean hold) {
            byte[] buf = new byte[64 << 10];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (hold) {
                        arrived.countDown();
                        release.await();
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // one side closed
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }

        @Override
        public void close() throws IOException {
            release.countDown();
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
