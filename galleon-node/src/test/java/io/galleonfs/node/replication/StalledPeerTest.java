package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.config.HostPort;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that greets and then stops reading (a frozen process: the kernel keeps the connection open) must not make
 * senders wait the full back-pressure bound on every send: each of those waits can hold a volume's order lock.
 */
class StalledPeerTest {
    private final Vertx vertx = Vertx.vertx();
    private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
    private ServerSocket server;
    private DataClient client;

    @AfterEach
    void close() throws Exception {
        if (client != null) {
            client.close();
        }
        for (Socket s : accepted) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    @Test
    void aPeerThatStopsReadingLosesItsConnectionInsteadOfBlockingEverySend() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setReceiveBufferSize(64 * 1024);
        Thread acceptor = Thread.ofVirtual().start(this::answerHelloThenFreeze);
        client = new DataClient(vertx, "sender", 1, (node, incarnation) -> { });
        HostPort peer = new HostPort("127.0.0.1", server.getLocalPort());
        // One answered request first, so the connection is up and the big frames go through its write queue
        // (frames sent while it connects are queued without back-pressure).
        client.call(peer, new DataMessage.StatusRequest(UUID.randomUUID()), Duration.ofSeconds(10));
        byte[] block = new byte[1 << 20];
        List<CompletableFuture<DataMessage.Response>> sent = new ArrayList<>();

        // Forty 1 MiB frames fill the socket buffers many times over. Waiting the 10 s bound on each full queue, as
        // the client once did, takes minutes; dropping the connection of a peer that neither reads nor answers
        // makes the rest fail fast.
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < 40; i++) {
                sent.add(client.send(peer, new DataMessage.ReplicaWrite(UUID.randomUUID(), 1, i + 1, 0, false, block),
                        Duration.ofSeconds(30)));
            }
        });
        int failedFast = 0;
        for (CompletableFuture<DataMessage.Response> f : sent) {
            try {
                f.get();
            } catch (ExecutionException e) {
                assertInstanceOf(IOException.class, e.getCause(), e.toString());
                failedFast += e.getCause().getMessage().contains("stopped reading") ? 1 : 0;
            }
        }
        assertTrue(failedFast > 0, "some sends failed because the peer stopped reading");
        acceptor.interrupt();
    }

    /**
     * Answers the first two frames (HELLO, then one request) of the first connection, then never reads again; later
     * connections get no answer at all.
     */
    private void answerHelloThenFreeze() {
        try {
            Socket s = server.accept();
            accepted.add(s);
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < 2; i++) {
                byte[] header = new byte[DataCodec.HEADER];
                in.readFully(header);
                DataCodec.Header h = DataCodec.readHeader(Buffer.buffer(header));
                in.readFully(new byte[h.length()]);
                out.write(DataCodec.encode(h.requestId(), new DataMessage.Hello("frozen", 7)).getBytes());
                out.flush();
            }
            while (!Thread.currentThread().isInterrupted()) {
                accepted.add(server.accept());
            }
        } catch (Exception e) {
            // the test closed the server socket
        }
    }
}
