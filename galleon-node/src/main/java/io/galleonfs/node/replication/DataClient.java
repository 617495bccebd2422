package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Persistent, pipelined connections to other nodes' data planes: one per peer, reconnected on demand. Requests sent
 * from one thread (or under one lock) leave in call order, which is what keeps a volume's replica operations ordered.
 * A caller blocks while the connection's write queue is full (back-pressure) and gets an {@link IOException} on
 * timeout or connection loss.
 */
public final class DataClient implements DataTransport, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DataClient.class);
    /** A peer whose connection stays full this long without any answer is treated as gone (the replica timeout). */
    static final Duration STALLED = Duration.ofSeconds(3);
    /** Bytes a connection's outbox may hold beyond the socket's own write queue before senders wait. */
    static final long MAX_QUEUED = 8L << 20;
    /** How often the requests past their deadline are failed: a timeout fires up to this much late. */
    static final long DEADLINE_SWEEP_MS = 50;

    /** Learns each peer's process incarnation: a change means the peer restarted and may have lost unflushed writes. */
    public interface IncarnationListener {
        void seen(String nodeId, long incarnation);
    }

    private final Vertx vertx;
    private final NetClient client;
    private final String nodeId;
    private final long incarnation;
    private final IncarnationListener listener;
    private final Map<HostPort, Peer> peers = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /**
     * The one event loop of every connection this client opens. A primary sends each operation to all its replicas at
     * once: with the connections on one loop the frames of one operation leave in one wake-up of one thread, and the
     * answers come back to it, instead of waking a loop per replica (issue 19: at queue depth 1 the write path was a
     * chain of thread wake-ups, each costing a context switch and often an idle vCPU's wake-up).
     */
    private final io.vertx.core.Context loop;
    private volatile long sweepTimer = -1;
    private volatile boolean closed;

    public DataClient(Vertx vertx, String nodeId, long incarnation, IncarnationListener listener) {
        this(vertx, nodeId, incarnation, listener, null);
    }

    /** @param tls mutual TLS with the cluster CA; null for plain TCP */
    public DataClient(Vertx vertx, String nodeId, long incarnation, IncarnationListener listener, io.galleonfs.node.tls.ClusterTls tls) {
        this.vertx = vertx;
        this.nodeId = nodeId;
        this.incarnation = incarnation;
        this.listener = listener;
        NetClientOptions options = new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(2000).setTcpKeepAlive(true);
        this.client = vertx.createNetClient(tls == null ? options : tls.clientOptions(options));
        this.loop = ((io.vertx.core.impl.VertxInternal) vertx).createEventLoopContext();
        // Deadlines are checked by one timer on the loop, not by a timer task per request: CompletableFuture.orTimeout
        // schedules (and on completion cancels) a task on a shared delay-scheduler thread for every request, two thread
        // wake-ups per replicated write on the primary (its park events outnumbered the writes in a JFR profile).
        loop.runOnContext(v -> sweepTimer = vertx.setPeriodic(DEADLINE_SWEEP_MS, id -> {
            if (closed) {
                vertx.cancelTimer(id); // closed before the timer was set: close() could not cancel it
                return;
            }
            sweepDeadlines();
        }));
    }

    /**
     * The event loop every connection of this client lives on. A frontend that forwards requests from its own event
     * loop puts its connections here too: a request then goes from the client's socket to the data plane's without
     * leaving the thread.
     */
    public io.vertx.core.Context loop() {
        return loop;
    }

    private void sweepDeadlines() {
        long now = System.nanoTime();
        for (Peer p : peers.values()) {
            p.failExpired(now);
        }
    }

    /**
     * The last message encoded, by identity: a primary sends one operation object to each replica in a row, and its
     * payload (a copy of the data and a CRC32C over it) is made once. Messages are immutable; a race only re-encodes.
     * Keeps the last payload alive until the next send (at most one frame's worth, 8 MiB).
     */
    private volatile DataCodec.Payload lastPayload;

    private DataCodec.Payload payloadOf(DataMessage request) {
        DataCodec.Payload p = lastPayload;
        if (p == null || p.message() != request) {
            p = DataCodec.payload(request);
            lastPayload = p;
        }
        return p;
    }

    private record QueuedFrame(long requestId, DataCodec.Payload payload) {
    }

    @Override
    public CompletableFuture<DataMessage.Response> send(HostPort to, DataMessage.Request request, Duration timeout) {
        return peers.computeIfAbsent(to, Peer::new).send(request, timeout);
    }

    public static DataMessage.Response await(CompletableFuture<DataMessage.Response> f) throws IOException {
        try {
            DataMessage.Response m = f.get();
            if (m instanceof DataMessage.Failure fail) {
                throw new RemoteException(fail.code(), fail.message());
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof java.util.concurrent.TimeoutException) {
                throw new IOException("no answer in time", c);
            }
            throw new IOException(String.valueOf(c.getMessage()), c);
        }
    }

    /** A failure the remote node reported. */
    public static final class RemoteException extends IOException {
        private final DataMessage.ErrorCode code;

        public RemoteException(DataMessage.ErrorCode code, String message) {
            super(message);
            this.code = code;
        }

        public DataMessage.ErrorCode code() {
            return code;
        }
    }

    /** An unanswered request: its future and when it times out (System.nanoTime()). */
    private record Waiting(CompletableFuture<DataMessage.Response> reply, long deadline) {
    }

    private final class Peer implements FrameReader.FrameHandler {
        private final HostPort address;
        private final Map<Long, Waiting> pending = new ConcurrentHashMap<>();
        /** Frames written before the connection (and its HELLO) is up, in order. */
        private final List<QueuedFrame> queued = new ArrayList<>();
        private volatile NetSocket socket;
        /** The frames of {@link #socket}, written in bursts; replaced with it. */
        private FrameOutbox outbox;
        private boolean connecting;
        /** When the peer last answered anything (System.nanoTime()). */
        private volatile long lastAnswer = System.nanoTime();

        Peer(HostPort address) {
            this.address = address;
        }

        CompletableFuture<DataMessage.Response> send(DataMessage.Request request, Duration timeout) {
            long id = ids.incrementAndGet();
            CompletableFuture<DataMessage.Response> f = new CompletableFuture<>();
            pending.put(id, new Waiting(f, System.nanoTime() + timeout.toNanos()));
            DataCodec.Payload payload = payloadOf(request);
            NetSocket s;
            FrameOutbox out;
            synchronized (this) {
                s = socket;
                if (s == null) {
                    queued.add(new QueuedFrame(id, payload));
                    if (!connecting) {
                        connect();
                    }
                    return f;
                }
                // Queued in call order (the caller's order lock orders a volume's frames); frames sent together leave
                // in one write.
                out = outbox;
                out.add(id, payload, null);
            }
            awaitDrain(s, out);
            return f;
        }

        /**
         * Back-pressure for callers off the event loop: wait (bounded) while the connection's write queue is full.
         * Polling, not a drain handler: installing one takes the socket's monitor, which the event loop holds while it
         * runs the previous handler, and waiting on that from here deadlocked once.
         * A peer that neither reads nor answers for {@link #STALLED} (frozen, or its machine stalls) loses the
         * connection: callers often wait here holding a volume's order lock, and each later send waiting its own
         * full bound kept that lock, and with it the volume and its metadata updates, for ~90 s in CI once.
         */
        private void awaitDrain(NetSocket s, FrameOutbox out) {
            if (io.vertx.core.Context.isOnEventLoopThread()) {
                return;
            }
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(10);
            while ((s.writeQueueFull() || out.queuedBytes() > MAX_QUEUED) && socket == s) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    return;
                }
                if (now - Math.max(start, lastAnswer) > STALLED.toNanos()) {
                    LOG.warnf("data plane %s: the peer neither reads nor answers for %d s; connection dropped", address,
                            STALLED.toSeconds());
                    synchronized (this) {
                        if (socket == s) {
                            socket = null;
                        }
                    }
                    s.close();
                    failAll(new IOException("the data plane of " + address + " stopped reading; connection dropped"));
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
        }

        /** Fails the requests whose deadline passed (on the loop, from the sweep timer). */
        void failExpired(long now) {
            for (var e : pending.entrySet()) {
                if (now - e.getValue().deadline() >= 0 && pending.remove(e.getKey(), e.getValue())) {
                    e.getValue().reply().completeExceptionally(new java.util.concurrent.TimeoutException());
                }
            }
        }

        /** Called with the monitor held. */
        private void connect() {
            connecting = true;
            // Connected from the client's loop, so the socket (and its outbox and answers) lives on that loop.
            loop.runOnContext(go -> client.connect(address.port(), address.host()).onComplete(ar -> {
                if (ar.failed()) {
                    failAll(new IOException("cannot connect to the data plane of " + address + ": " + ar.cause().getMessage()));
                    return;
                }
                NetSocket s = ar.result();
                // This handler runs on the client's loop, the socket's: the context to write from.
                io.vertx.core.Context context = loop;
                FrameReader reader = new FrameReader(this);
                reader.readFrom(s); // the netty buffers as read, not Vert.x's heap copies of them
                s.exceptionHandler(e -> LOG.debugf("data plane %s: %s", address, e.toString()));
                s.closeHandler(v -> closed(s));
                long helloId = ids.incrementAndGet();
                CompletableFuture<DataMessage.Response> hello = new CompletableFuture<>();
                pending.put(helloId, new Waiting(hello, System.nanoTime() + TimeUnit.SECONDS.toNanos(3)));
                s.write(DataCodec.encode(helloId, new DataMessage.Hello(nodeId, incarnation)));
                hello.whenComplete((m, e) -> {
                    pending.remove(helloId);
                    if (e != null || !(m instanceof DataMessage.Hello h)) {
                        s.close();
                        failAll(new IOException("data plane of " + address + " did not answer HELLO"));
                        return;
                    }
                    listener.seen(h.nodeId(), h.incarnation());
                    synchronized (this) {
                        FrameOutbox out = new FrameOutbox(s, context, null);
                        for (QueuedFrame q : queued) {
                            out.add(q.requestId(), q.payload(), null);
                        }
                        queued.clear();
                        outbox = out;
                        socket = s;
                        connecting = false;
                    }
                });
            }));
        }

        private void failAll(IOException e) {
            synchronized (this) {
                connecting = false;
                queued.clear();
                socket = null;
            }
            for (var id : List.copyOf(pending.keySet())) {
                Waiting w = pending.remove(id);
                if (w != null) {
                    w.reply().completeExceptionally(e);
                }
            }
        }

        private void closed(NetSocket s) {
            synchronized (this) {
                if (socket != s && socket != null) {
                    return;
                }
            }
            failAll(new IOException("connection to " + address + " closed"));
        }

        @Override
        public void frame(long requestId, DataMessage message) {
            lastAnswer = System.nanoTime();
            if (!(message instanceof DataMessage.Response response)) {
                malformed(new ProtocolException("a request frame where an answer was expected"));
                return;
            }
            Waiting w = pending.remove(requestId);
            if (w != null) {
                w.reply().complete(response);
            }
        }

        @Override
        public void malformed(ProtocolException e) {
            LOG.warnf("data plane: malformed response from %s: %s", address, e.getMessage());
            NetSocket s;
            synchronized (this) {
                s = socket;
            }
            if (s != null) {
                s.close();
            }
            failAll(new IOException("malformed response from " + address + ": " + e.getMessage()));
        }

        void close() {
            NetSocket s;
            synchronized (this) {
                s = socket;
                socket = null;
            }
            if (s != null) {
                s.close();
            }
        }
    }

    @Override
    public void disconnect(HostPort to) {
        Peer p = peers.remove(to);
        if (p != null) {
            p.close();
            p.failAll(new IOException("disconnected from " + to));
        }
    }

    @Override
    public void close() {
        closed = true;
        long timer = sweepTimer;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        peers.values().forEach(Peer::close);
        client.close();
    }
}
