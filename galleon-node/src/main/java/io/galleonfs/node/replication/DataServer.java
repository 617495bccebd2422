package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.ingress.ConnectionLimiter;
import io.galleonfs.node.ingress.IngressBudget;
import io.galleonfs.node.ingress.IngressLimits;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The data-plane listener: frames in, handler, responses out (possibly out of order: each carries its request id).
 * Memory is bounded for any peer, well-behaved or not: a connection stops reading while {@link #MAX_IN_FLIGHT} of its
 * requests are unanswered, while its write queue is full, or while the node's peer {@link IngressBudget} is spent
 * (request bytes are taken from it as they arrive and given back when answered; responses are counted until they are
 * sent). The first frame must be a small HELLO, checked on its header, so an unknown client cannot make the node keep a
 * large payload. A connection is closed when its HELLO does not come within the handshake timeout, when a frame stops
 * arriving half-way for the read timeout, or when it does not read its responses for the read timeout; a malformed
 * frame closes only its connection. Connections are capped in total and per source address.
 */
public final class DataServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DataServer.class);
    static final int MAX_IN_FLIGHT = 256;
    /** A HELLO holds a node id (≤ 1 KiB string) and an incarnation. */
    static final int MAX_HELLO = 2048;

    private final Vertx vertx;
    private final String nodeId;
    private final long incarnation;
    private final DataRequestHandler handler;
    private final IngressBudget budget;
    private final IngressLimits limits;
    private final ConnectionLimiter limiter;
    private final io.galleonfs.node.tls.ClusterTls tls;
    private NetServer server;

    public DataServer(Vertx vertx, String nodeId, long incarnation, DataRequestHandler handler, IngressBudget budget, IngressLimits limits) {
        this(vertx, nodeId, incarnation, handler, budget, limits, null);
    }

    /** @param tls mutual TLS with the cluster CA (a peer without its certificate never gets past the handshake); null for plain TCP */
    public DataServer(Vertx vertx, String nodeId, long incarnation, DataRequestHandler handler, IngressBudget budget, IngressLimits limits,
                      io.galleonfs.node.tls.ClusterTls tls) {
        this.tls = tls;
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.incarnation = incarnation;
        this.handler = handler;
        this.budget = budget;
        this.limits = limits;
        this.limiter = new ConnectionLimiter("data plane", limits.maxConnections(), limits.maxConnectionsPerAddress());
    }

    public void start(HostPort address) throws Exception {
        NetServerOptions options = new NetServerOptions().setHost(address.host()).setPort(address.port()).setTcpNoDelay(true);
        NetServer s = vertx.createNetServer(tls == null ? options : tls.serverOptions(options));
        s.connectHandler(this::accept);
        server = s.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.infof("data plane listening on %s (%s, ingress budget %d MiB)", address, tls == null ? "plain TCP" : "mutual TLS",
                budget.capacity() >> 20);
    }

    public int port() {
        return server.actualPort();
    }

    private void accept(NetSocket socket) {
        String from = socket.remoteAddress() == null ? "?" : socket.remoteAddress().hostAddress();
        if (!limiter.tryAdmit(from)) {
            socket.close();
            return;
        }
        new ServerConnection(socket, from).start();
    }

    private final class ServerConnection implements FrameReader.FrameHandler, FrameReader.Input {
        private final NetSocket socket;
        private final String from;
        private final Context context = vertx.getOrCreateContext();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final FrameReader reader = new FrameReader(this, budget, this);
        private final FrameOutbox outbox;
        private final long opened = System.nanoTime();
        private volatile String peer = "?";
        private volatile boolean greeted;
        // The reasons to stop reading; event loop only.
        private boolean inFlightPaused;
        private boolean budgetPaused;
        private boolean drainPaused;
        private long drainPausedSince;
        private boolean socketPaused;
        private boolean closed;

        ServerConnection(NetSocket socket, String from) {
            this.socket = socket;
            this.from = from;
            this.outbox = new FrameOutbox(socket, context, this::afterResponses);
        }

        void start() {
            long period = Math.clamp(Math.min(limits.readTimeout().toMillis(), limits.handshakeTimeout().toMillis()) / 5, 100, 1000);
            long timer = vertx.setPeriodic(period, period, id -> checkTimeouts());
            reader.readFrom(socket); // the netty buffers as read, not Vert.x's heap copies of them
            socket.exceptionHandler(e -> LOG.debugf("data plane %s: %s", socket.remoteAddress(), e.toString()));
            socket.closeHandler(v -> {
                closed = true;
                vertx.cancelTimer(timer);
                reader.closed();
                limiter.release(from);
            });
        }

        private void checkTimeouts() {
            long now = System.nanoTime();
            String reason = null;
            if (!greeted && now - opened > limits.handshakeTimeout().toNanos()) {
                reason = "no HELLO within " + limits.handshakeTimeout().toSeconds() + " s";
            } else if (reader.stalled(now, limits.readTimeout().toNanos())) {
                reason = "a frame stopped arriving for " + limits.readTimeout().toSeconds() + " s";
            } else if (drainPaused && now - drainPausedSince > limits.readTimeout().toNanos()) {
                reason = "the peer has not read its responses for " + limits.readTimeout().toSeconds() + " s";
            }
            if (reason != null && !closed) {
                LOG.warnf("data plane: closing connection from %s (%s): %s", socket.remoteAddress(), peer, reason);
                socket.close();
            }
        }

        @Override
        public void header(DataCodec.Header h) throws ProtocolException {
            boolean hello = DataCodec.Type.of(h.type()) == DataCodec.Type.HELLO;
            if (!greeted && !hello) {
                throw new ProtocolException("the first frame must be HELLO, got type " + h.type());
            }
            if (hello && h.length() > MAX_HELLO) {
                throw new ProtocolException("HELLO of " + h.length() + " bytes, more than " + MAX_HELLO);
            }
        }

        @Override
        public void frame(long requestId, DataMessage message) {
            long held = reader.deliveredBytes();
            if (message instanceof DataMessage.Hello h) {
                budget.release(held);
                peer = h.nodeId();
                greeted = true;
                socket.write(DataCodec.encode(requestId, new DataMessage.Hello(nodeId, incarnation)));
                return;
            }
            if (!(message instanceof DataMessage.Request request)) {
                budget.release(held);
                malformed(new ProtocolException("a response frame is not a request"));
                return;
            }
            if (inFlight.incrementAndGet() >= MAX_IN_FLIGHT && !inFlightPaused) {
                inFlightPaused = true;
                updatePause();
            }
            CompletionStage<DataMessage.Response> reply;
            try {
                reply = handler.handle(peer, request);
            } catch (RuntimeException e) {
                reply = CompletableFuture.completedFuture(new DataMessage.Failure(DataMessage.ErrorCode.IO, String.valueOf(e.getMessage())));
            }
            reply.whenComplete((response, error) -> {
                DataMessage out = error == null ? response
                        : new DataMessage.Failure(DataMessage.ErrorCode.IO, String.valueOf(error.getMessage()));
                DataCodec.Payload payload = DataCodec.payload(out);
                int size = DataCodec.frameLength(payload);
                // The request's bytes are done with; the response's count until they have left.
                budget.forceAcquire(size);
                budget.release(held);
                inFlight.decrementAndGet();
                // Answers finishing together leave in one write (FrameOutbox), not one write and wake-up each.
                outbox.add(requestId, payload, () -> budget.release(size));
            });
        }

        /** On the event loop, after a burst of answers went to the socket. */
        private void afterResponses() {
            if (inFlight.get() < MAX_IN_FLIGHT / 2 && inFlightPaused) {
                inFlightPaused = false;
            }
            if (!drainPaused && socket.writeQueueFull()) {
                drainPaused = true;
                drainPausedSince = System.nanoTime();
                socket.drainHandler(v -> {
                    drainPaused = false;
                    socket.drainHandler(null);
                    updatePause();
                });
            }
            updatePause();
        }

        private void updatePause() {
            boolean pause = inFlightPaused || budgetPaused || drainPaused;
            if (pause != socketPaused && !closed) {
                socketPaused = pause;
                // With a message handler NetSocket.pause() no longer applies (it pauses Vert.x's inbound queue, which
                // the handler bypasses): the channel stops reading instead. What netty already read still arrives; the
                // reader takes it from the budget or keeps it (copied) until the budget lets it go on.
                ((NetSocketInternal) socket).channelHandlerContext().channel().config().setAutoRead(!pause);
            }
        }

        @Override
        public void pause() {
            budgetPaused = true;
            updatePause();
        }

        @Override
        public void resume() {
            budgetPaused = false;
            updatePause();
        }

        @Override
        public void runOnLoop(Runnable task) {
            context.runOnContext(v -> task.run());
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
