package io.galleonfs.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.replication.DataMessage.ReplicaWrite;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Frames queued from several threads at once over a real loopback connection: each sender's frames arrive whole and in
 * its order, every frame's completion runs, and frames queued together leave in fewer bursts than frames.
 */
class FrameOutboxTest {
    private static final UUID VOL = UUID.fromString("0b5e4a2c-3b7e-4c1e-9f57-0d3c2a1b9e11");
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void framesFromConcurrentSendersArriveInEachSendersOrder() throws Exception {
        List<DataMessage> received = new CopyOnWriteArrayList<>();
        NetServer server = vertx.createNetServer().connectHandler(s -> {
            FrameReader reader = new FrameReader(new FrameReader.FrameHandler() {
                @Override
                public void frame(long requestId, DataMessage message) {
                    received.add(message);
                }

                @Override
                public void malformed(ProtocolException e) {
                    throw new AssertionError(e);
                }
            });
            reader.readFrom(s); // as the data server reads: the netty buffers themselves, released after each call
        });
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        // Connected from a context of our own, so the socket lives on that context's event loop (as in DataClient).
        Context context = vertx.getOrCreateContext();
        java.util.concurrent.CompletableFuture<NetSocket> connected = new java.util.concurrent.CompletableFuture<>();
        context.runOnContext(v -> vertx.createNetClient().connect(server.actualPort(), "127.0.0.1").onComplete(ar -> {
            if (ar.succeeded()) {
                connected.complete(ar.result());
            } else {
                connected.completeExceptionally(ar.cause());
            }
        }));
        NetSocket socket = connected.get(10, TimeUnit.SECONDS);
        AtomicInteger bursts = new AtomicInteger();
        FrameOutbox outbox = new FrameOutbox(socket, context, bursts::incrementAndGet);
        int senders = 4;
        int perSender = 2_000;
        AtomicInteger sent = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < senders; t++) {
            int sender = t;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 1; i <= perSender; i++) {
                    // Small frames; every 100th one large enough to be sent without copying its payload, every 300th
                    // one that fills a piece exactly, every 500th one written in several pieces.
                    int size = i % 500 == 0 ? FrameOutbox.PIECE * 3 + 7 : i % 300 == 0 ? FrameOutbox.PIECE - DataCodec.HEADER - 45
                            : i % 100 == 0 ? DataCodec.SHARED_PAYLOAD * 2 : 512;
                    byte[] data = new byte[size];
                    Arrays.fill(data, (byte) sender);
                    outbox.add(i, DataCodec.payload(new ReplicaWrite(VOL, sender, i, 0, false, data)), sent::incrementAndGet);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == senders * perSender);
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() == senders * perSender);
        Map<Long, Long> lastSeq = new ConcurrentHashMap<>();
        for (DataMessage m : received) {
            ReplicaWrite w = (ReplicaWrite) m;
            long previous = lastSeq.getOrDefault(w.epoch(), 0L);
            assertEquals(previous + 1, w.seq(), "sender " + w.epoch() + " out of order");
            lastSeq.put(w.epoch(), w.seq());
            for (byte b : w.data()) {
                assertEquals((byte) w.epoch(), b);
            }
        }
        assertEquals(0, outbox.queuedBytes());
        assertTrue(bursts.get() < senders * perSender, "frames queued together leave together: " + bursts.get() + " bursts");
    }
}
