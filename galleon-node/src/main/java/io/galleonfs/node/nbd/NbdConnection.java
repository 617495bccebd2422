package io.galleonfs.node.nbd;

import io.galleonfs.node.config.NbdTls;
import io.galleonfs.node.ingress.IngressBudget;
import io.galleonfs.node.ingress.IngressLimits;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Binds one {@link NbdSession} to a Vert.x socket. Storage calls run off the event loop in one of two ways. Each on its
 * own virtual thread, answered in completion order as NBD allows (replies carry the request's cookie), for volume
 * exports: a replicated or forwarded volume's calls wait for other nodes (one at a time, a connection could do no more
 * writes per second than network round trips), and a local volume's writes to disjoint blocks reach the engine side by
 * side. Or on one virtual thread per connection, in request order: export lookups during the handshake, and the calls of
 * exports that ask for it (snapshots). A forwarded volume's reads, writes and flushes take neither: the session starts
 * them on the event loop and their answers come back through {@link #completeOnLoop}.
 * <p>
 * Completed calls are handed back to the event loop in batches: the worker queues each completion and wakes the event
 * loop only when no drain is pending, and every reply sent during one drain leaves in one socket write. At queue depth
 * 32 this replaces a {@code write(2)} and an event-loop wake-up per 16-byte write reply (the top cost of 4 KiB random
 * writes in a JFR profile) with one per batch.
 * <p>
 * A timer checks once a second that the client is making progress ({@link NbdSession#checkTimeouts}) and that it reads
 * its replies: a write queue that stays full for the read timeout closes the connection, because the replies it holds
 * (and their share of the ingress budget) would otherwise be held for as long as the client likes.
 */
final class NbdConnection implements NbdSession.Link {
    private static final Logger LOG = Logger.getLogger(NbdConnection.class);
    private static final AtomicLong IDS = new AtomicLong();

    private final NetSocket socket;
    private final Context context;
    private final ExecutorService worker;
    private final ExecutorService concurrentWorkers;
    private final NbdSession session;
    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** Replies sent while draining completions; written together at the end of the drain. Event loop only. */
    private final List<ByteBuf> outgoing = new ArrayList<>();
    private boolean draining;
    private boolean sessionPaused;
    private boolean drainPaused;
    private long drainPausedSince;
    /** Callbacks of the replies in {@link #outgoing}: they run once those bytes left. Event loop only. */
    private final List<Runnable> outgoingWritten = new ArrayList<>();
    private final long writeStallNanos;

    private NbdConnection(Vertx vertx, NetSocket socket, NbdExports exports, IngressBudget budget, IngressLimits limits, NbdTls tls) {
        this.socket = socket;
        this.context = vertx.getOrCreateContext();
        String peer = String.valueOf(socket.remoteAddress());
        long id = IDS.incrementAndGet();
        // A request's thread needs none of the event loop's inheritable thread locals: copying them cost ~1 % of the
        // node's CPU under 4 KiB writes at QD32, one map per request.
        this.worker = Executors.newSingleThreadExecutor(
                Thread.ofVirtual().name("nbd-" + id).inheritInheritableThreadLocals(false).factory());
        this.concurrentWorkers = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("nbd-" + id + "-", 0).inheritInheritableThreadLocals(false).factory());
        this.session = new NbdSession(exports, this, peer, budget, limits.readTimeout(), limits.handshakeTimeout(), tls);
        this.writeStallNanos = limits.readTimeout().toNanos();
    }

    /** Called on the event loop of a new connection; {@code onClose} runs once it closed. */
    static void attach(Vertx vertx, NetSocket socket, NbdExports exports, IngressBudget budget, IngressLimits limits, NbdTls tls,
                       Runnable onClose) {
        NbdConnection c = new NbdConnection(vertx, socket, exports, budget, limits, tls);
        long period = Math.clamp(limits.readTimeout().toMillis() / 5, 100, 1000);
        long timer = vertx.setPeriodic(period, period, id -> c.checkTimeouts());
        // The received netty buffers themselves, not Vert.x's heap copies of them (NetSocket.handler copies every buffer
        // read: 21 % of the node's samples under 1 MiB writes). The session copies what it keeps beyond feed.
        ((NetSocketInternal) socket).messageHandler(msg -> {
            try {
                if (msg instanceof ByteBuf bytes) {
                    c.session.feed(bytes.nioBuffer());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        });
        socket.exceptionHandler(e -> LOG.debugf("nbd %s: %s", socket.remoteAddress(), e.toString()));
        socket.closeHandler(v -> {
            vertx.cancelTimer(timer);
            c.session.closed();
            c.worker.shutdown();
            c.concurrentWorkers.shutdown();
            onClose.run();
        });
        c.session.start();
    }

    private void checkTimeouts() {
        long now = System.nanoTime();
        if (drainPaused && now - drainPausedSince > writeStallNanos) {
            LOG.warnf("nbd %s: closing the connection: the client has not read its replies for %d s", socket.remoteAddress(),
                    writeStallNanos / 1_000_000_000L);
            socket.close(); // the close handler ends the session
            return;
        }
        session.checkTimeouts(now);
    }

    @Override
    public void send(byte[] bytes) {
        send(bytes, null);
    }

    @Override
    public void send(byte[] bytes, Runnable written) {
        if (draining) {
            outgoing.add(Unpooled.wrappedBuffer(bytes));
            if (written != null) {
                outgoingWritten.add(written);
            }
            return;
        }
        write(Unpooled.wrappedBuffer(bytes), written == null ? List.of() : List.of(written));
    }

    @Override
    public void runOnLoop(Runnable task) {
        context.runOnContext(v -> task.run());
    }

    @SuppressWarnings("deprecation") // Buffer.buffer(ByteBuf): wraps replies (a read reply has up to 32 MiB) instead of copying them
    private void write(ByteBuf bytes, List<Runnable> written) {
        if (written.isEmpty()) {
            socket.write(Buffer.buffer(bytes));
        } else {
            // Completes when the bytes are handed to the OS, or failed when the connection closed first.
            socket.write(Buffer.buffer(bytes)).onComplete(ar -> written.forEach(Runnable::run));
        }
        // A client that does not read its replies must not make the node buffer them without bound.
        if (!drainPaused && socket.writeQueueFull()) {
            drainPaused = true;
            drainPausedSince = System.nanoTime();
            autoRead(false);
            socket.drainHandler(v -> {
                drainPaused = false;
                socket.drainHandler(null);
                if (!sessionPaused) {
                    autoRead(true);
                }
            });
        }
    }

    /** Writes the replies gathered during a drain as one buffer (one gathering write on the socket). */
    private void flushOutgoing() {
        if (outgoing.isEmpty()) {
            return;
        }
        ByteBuf all = outgoing.size() == 1 ? outgoing.get(0) : Unpooled.wrappedBuffer(outgoing.toArray(ByteBuf[]::new));
        outgoing.clear();
        List<Runnable> written = outgoingWritten.isEmpty() ? List.of() : List.copyOf(outgoingWritten);
        outgoingWritten.clear();
        write(all, written);
    }

    @Override
    public void close() {
        flushOutgoing(); // replies queued before the close still go out first
        socket.close();
    }

    @Override
    public void startTls(Consumer<String> done) {
        flushOutgoing(); // the ACK of NBD_OPT_STARTTLS leaves in the clear, before the TLS handler is in place
        // Vert.x flushes what is queued, then puts netty's SslHandler first in the pipeline; the handshake runs on the
        // event loop without blocking it, and its outcome comes back there.
        socket.upgradeToSsl().onComplete(ar -> {
            if (ar.succeeded()) {
                LOG.debugf("nbd %s: TLS %s, %s, client certificate: %s", socket.remoteAddress(), socket.sslSession().getProtocol(),
                        socket.sslSession().getCipherSuite(), clientSubject());
                done.accept(null);
            } else {
                done.accept(String.valueOf(ar.cause().getMessage()));
            }
        });
    }

    private String clientSubject() {
        try {
            var certs = socket.peerCertificates();
            return certs.isEmpty() ? "none" : ((java.security.cert.X509Certificate) certs.get(0)).getSubjectX500Principal().getName();
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return "none";
        }
    }

    @Override
    public void pauseInput() {
        sessionPaused = true;
        autoRead(false);
    }

    @Override
    public void resumeInput() {
        sessionPaused = false;
        if (!drainPaused) {
            autoRead(true);
        }
    }

    /**
     * Stops or restarts reading from the socket. With a message handler, {@link NetSocket#pause()} no longer applies (it
     * pauses Vert.x's inbound queue, which the handler bypasses), so the channel's auto-read is switched instead; what
     * netty already read when it stops still arrives, and the session keeps it (copied) until it resumes.
     */
    private void autoRead(boolean on) {
        ((NetSocketInternal) socket).channelHandlerContext().channel().config().setAutoRead(on);
    }

    @Override
    public void execute(Supplier<byte[]> work, Consumer<byte[]> done, boolean concurrent) {
        submit(concurrent ? concurrentWorkers : worker, () -> {
            byte[] reply;
            try {
                reply = work.get();
            } catch (RuntimeException e) {
                failedUnexpectedly(e);
                return;
            }
            complete(() -> done.accept(reply));
        });
    }

    @Override
    public void executeThenAwait(Supplier<CompletableFuture<byte[]>> work, Consumer<byte[]> done) {
        submit(concurrentWorkers, () -> {
            CompletableFuture<byte[]> reply;
            try {
                reply = work.get();
            } catch (RuntimeException e) {
                failedUnexpectedly(e);
                return;
            }
            reply.whenComplete((bytes, e) -> {
                if (e != null) {
                    failedUnexpectedly(e);
                } else {
                    complete(() -> done.accept(bytes));
                }
            });
        });
    }

    private static void submit(ExecutorService executor, Runnable request) {
        try {
            executor.execute(request);
        } catch (RejectedExecutionException e) {
            // The connection is already closed; nobody is waiting for this reply.
        }
    }

    /** A request broke a rule of the node's own code: the client cannot be told what happened, so the connection ends. */
    private void failedUnexpectedly(Throwable e) {
        LOG.errorf(e, "nbd %s: request failed unexpectedly", socket.remoteAddress());
        complete(this::close);
    }

    @Override
    public void completeOnLoop(Runnable task) {
        complete(task);
    }

    /** Called on the worker: queues a completion and wakes the event loop unless a drain is already pending. */
    private void complete(Runnable completion) {
        completions.add(completion);
        if (drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
    }

    /** On the event loop: runs every queued completion in order, then writes their replies together. */
    private void drain() {
        // Cleared first: a completion queued from now on schedules another drain instead of being missed.
        drainScheduled.set(false);
        draining = true;
        try {
            Runnable next;
            while ((next = completions.poll()) != null) {
                next.run();
            }
        } finally {
            draining = false;
            flushOutgoing();
        }
    }
}
