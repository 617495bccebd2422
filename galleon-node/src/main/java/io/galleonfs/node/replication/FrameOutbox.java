package io.galleonfs.node.replication;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The frames one data-plane connection sends, queued from any thread and written in queue order by one event-loop task
 * per burst, which ends in one flush: the frames queued meanwhile leave in one gathering {@code writev} and cost one
 * wake-up of the event loop. Sending each frame on its own (a task, a write and a flush per frame) was the largest cost
 * on the event loops of a replicated volume's nodes: a replica's loop spent 37 % of its CPU in one socket {@code write}
 * per 32-byte answer, the primary's 19 % in {@code writev} (profile in docs/BENCHMARKS.md, issue 19).
 * <p>
 * A frame is queued as its request id and encoded payload, and written on the loop straight into a pooled direct
 * buffer from the loop's own cache: a heap frame was a copy of the payload that netty then copied again into a direct
 * buffer to send it.
 */
final class FrameOutbox {
    /** Called on the event loop once a frame has left (or its connection failed). */
    interface Sent {
        void done();
    }

    private record Entry(long requestId, DataCodec.Payload payload, Sent sent) {
    }

    private final NetSocket socket;
    private final Context context;
    private final ChannelHandlerContext channel;
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final Runnable afterDrain;

    /**
     * @param context    the socket's event-loop context
     * @param afterDrain runs on the event loop after each burst was handed to the socket (may be null)
     */
    FrameOutbox(NetSocket socket, Context context, Runnable afterDrain) {
        this.socket = socket;
        this.context = context;
        this.channel = socket instanceof NetSocketInternal internal ? internal.channelHandlerContext() : null;
        this.afterDrain = afterDrain;
    }

    /** Queues the frame of {@code payload} for {@code requestId}; it leaves after every frame queued before it. Any thread. */
    void add(long requestId, DataCodec.Payload payload, Sent sent) {
        queuedBytes.addAndGet(DataCodec.frameLength(payload));
        queue.add(new Entry(requestId, payload, sent));
        if (scheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
    }

    /** Bytes queued here and not yet handed to the socket (back-pressure counts them with the socket's own queue). */
    long queuedBytes() {
        return queuedBytes.get();
    }

    /** On the event loop: everything queued goes to the socket, then one flush. */
    private void drain() {
        // Cleared before polling: a frame added from now on either is polled below or schedules the next drain.
        scheduled.set(false);
        Entry e;
        int written = 0;
        while ((e = queue.poll()) != null) {
            queuedBytes.addAndGet(-DataCodec.frameLength(e.payload()));
            write(e);
            written++;
        }
        if (written > 0 && channel != null) {
            channel.flush();
        }
        if (afterDrain != null) {
            afterDrain.run();
        }
    }

    private void write(Entry e) {
        Sent sent = e.sent();
        if (channel == null) {
            // Not a Netty-backed socket (never in a node): one write and flush per frame.
            Buffer frame = DataCodec.frame(e.requestId(), e.payload());
            if (sent == null) {
                socket.write(frame);
            } else {
                socket.write(frame).onComplete(ar -> sent.done());
            }
            return;
        }
        // Pieces of at most PIECE bytes: a larger direct buffer is not pooled (Quarkus sizes netty's chunks at 64 KiB), so
        // each 1 MiB frame was a fresh allocation, zeroed, then freed (~1.6 % of a primary's CPU under 1 MiB writes).
        ByteBuf payload = e.payload().bytes().getByteBuf();
        int from = payload.readerIndex();
        int left = payload.readableBytes();
        boolean header = true;
        while (header || left > 0) {
            int n = Math.min(left, header ? PIECE - DataCodec.HEADER : PIECE);
            // Released by netty once written, or when the write fails (a closed channel included).
            ByteBuf piece = channel.alloc().directBuffer((header ? DataCodec.HEADER : 0) + n);
            try {
                if (header) {
                    DataCodec.writeHeader(piece, e.requestId(), e.payload());
                }
                piece.writeBytes(payload, from, n);
            } catch (RuntimeException | Error x) {
                piece.release();
                throw x;
            }
            header = false;
            from += n;
            left -= n;
            if (sent == null || left > 0) {
                channel.write(piece, channel.voidPromise());
            } else {
                channel.write(piece).addListener(f -> sent.done());
            }
        }
    }

    /** The largest buffer a frame is written from: what netty pools and its event loops cache (64 KiB). */
    static final int PIECE = 64 << 10;
}
