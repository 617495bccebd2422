package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The data-plane listener: frames in, handler, responses out (possibly out of order: each carries its request id).
 * A connection stops reading while {@link #MAX_IN_FLIGHT} of its requests are unanswered or its write queue is full,
 * so a fast sender cannot make the node buffer without bound. A malformed frame closes only its connection.
 */
public final class DataServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DataServer.class);
    static final int MAX_IN_FLIGHT = 256;

    private final Vertx vertx;
    private final String nodeId;
    private final long incarnation;
    private final DataRequestHandler handler;
    private NetServer server;

    public DataServer(Vertx vertx, String nodeId, long incarnation, DataRequestHandler handler) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.incarnation = incarnation;
        this.handler = handler;
    }

    public void start(HostPort address) throws Exception {
        NetServer s = vertx.createNetServer(new NetServerOptions().setHost(address.host()).setPort(address.port()).setTcpNoDelay(true));
        s.connectHandler(this::accept);
        server = s.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.infof("data plane listening on %s", address);
    }

    public int port() {
        return server.actualPort();
    }

    private void accept(NetSocket socket) {
        new ServerConnection(socket).start();
    }

    private final class ServerConnection implements FrameReader.FrameHandler {
        private final NetSocket socket;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final FrameReader reader = new FrameReader(this);
        private volatile String peer = "?";
        private volatile boolean greeted;
        private volatile boolean paused;

        ServerConnection(NetSocket socket) {
            this.socket = socket;
        }

        void start() {
            socket.handler(reader::feed);
            socket.exceptionHandler(e -> LOG.debugf("data plane %s: %s", socket.remoteAddress(), e.toString()));
        }

        @Override
        public void frame(long requestId, DataMessage message) {
            if (message instanceof DataMessage.Hello h) {
                peer = h.nodeId();
                greeted = true;
                socket.write(DataCodec.encode(requestId, new DataMessage.Hello(nodeId, incarnation)));
                return;
            }
            if (!greeted) {
                malformed(new ProtocolException("the first frame must be HELLO, got " + message.getClass().getSimpleName()));
                return;
            }
            if (message instanceof DataMessage.Ok || message instanceof DataMessage.Data || message instanceof DataMessage.Failure
                    || message instanceof DataMessage.Status || message instanceof DataMessage.Checksums) {
                malformed(new ProtocolException("a response frame is not a request"));
                return;
            }
            if (inFlight.incrementAndGet() >= MAX_IN_FLIGHT && !paused) {
                paused = true;
                socket.pause();
            }
            java.util.concurrent.CompletionStage<DataMessage> reply;
            try {
                reply = handler.handle(peer, message);
            } catch (RuntimeException e) {
                reply = java.util.concurrent.CompletableFuture.completedFuture(
                        new DataMessage.Failure(DataMessage.ErrorCode.IO, String.valueOf(e.getMessage())));
            }
            reply.whenComplete((response, error) -> {
                DataMessage out = error == null ? response
                        : new DataMessage.Failure(DataMessage.ErrorCode.IO, String.valueOf(error.getMessage()));
                socket.write(DataCodec.encode(requestId, out));
                if (inFlight.decrementAndGet() < MAX_IN_FLIGHT / 2 && paused) {
                    paused = false;
                    socket.resume();
                }
            });
        }

        @Override
        public void malformed(ProtocolException e) {
            LOG.warnf("data plane: closing connection from %s (%s): %s", socket.remoteAddress(), peer, e.getMessage());
            socket.close();
        }
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warnf("data plane listener did not close cleanly: %s", e.toString());
            }
            server = null;
        }
    }
}
