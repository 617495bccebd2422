package io.galleonfs.node.nbd;

import io.netty.buffer.Unpooled;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Binds one {@link NbdSession} to a Vert.x socket. Storage calls run on a single virtual thread per connection, so they
 * execute (and their replies are sent) in request order while the event loop only parses and writes.
 */
final class NbdConnection implements NbdSession.Link {
    private static final Logger LOG = Logger.getLogger(NbdConnection.class);
    private static final AtomicLong IDS = new AtomicLong();

    private final NetSocket socket;
    private final Context context;
    private final ExecutorService worker;
    private final NbdSession session;
    private boolean sessionPaused;
    private boolean drainPaused;

    private NbdConnection(Vertx vertx, NetSocket socket, NbdExports exports) {
        this.socket = socket;
        this.context = vertx.getOrCreateContext();
        String peer = String.valueOf(socket.remoteAddress());
        this.worker = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("nbd-" + IDS.incrementAndGet()).factory());
        this.session = new NbdSession(exports, this, peer);
    }

    /** Called on the event loop of a new connection. */
    @SuppressWarnings("deprecation") // getByteBuf: a view of the received bytes instead of a copy
    static void attach(Vertx vertx, NetSocket socket, NbdExports exports) {
        NbdConnection c = new NbdConnection(vertx, socket, exports);
        socket.handler(buffer -> c.session.feed(buffer.getByteBuf().nioBuffer()));
        socket.exceptionHandler(e -> LOG.debugf("nbd %s: %s", socket.remoteAddress(), e.toString()));
        socket.closeHandler(v -> {
            c.session.closed();
            c.worker.shutdown();
        });
        c.session.start();
    }

    @Override
    @SuppressWarnings("deprecation") // Buffer.buffer(ByteBuf): wraps a read reply of up to 32 MiB instead of copying it
    public void send(byte[] bytes) {
        socket.write(Buffer.buffer(Unpooled.wrappedBuffer(bytes)));
        // A client that does not read its replies must not make the node buffer them without bound.
        if (!drainPaused && socket.writeQueueFull()) {
            drainPaused = true;
            socket.pause();
            socket.drainHandler(v -> {
                drainPaused = false;
                socket.drainHandler(null);
                if (!sessionPaused) {
                    socket.resume();
                }
            });
        }
    }

    @Override
    public void close() {
        socket.close();
    }

    @Override
    public void pauseInput() {
        sessionPaused = true;
        socket.pause();
    }

    @Override
    public void resumeInput() {
        sessionPaused = false;
        if (!drainPaused) {
            socket.resume();
        }
    }

    @Override
    public void execute(Supplier<byte[]> work, Consumer<byte[]> done) {
        try {
            worker.execute(() -> {
                byte[] reply;
                try {
                    reply = work.get();
                } catch (RuntimeException e) {
                    LOG.errorf(e, "nbd %s: request failed unexpectedly", socket.remoteAddress());
                    context.runOnContext(v -> close());
                    return;
                }
                context.runOnContext(v -> done.accept(reply));
            });
        } catch (RejectedExecutionException e) {
            // The connection is already closed; nobody is waiting for this reply.
        }
    }
}
