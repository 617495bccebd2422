package io.galleonfs.node.replication;

import io.galleonfs.node.ingress.IngressBudget;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.impl.NetSocketInternal;
import java.util.ArrayDeque;

/**
 * Splits a socket's bytes into frames: a fixed header, then exactly the payload length it announced, which is
 * validated (and shown to {@link FrameHandler#header}) before any payload byte is kept. Runs on the socket's event loop.
 * <p>
 * With an {@link IngressBudget} (the server side: requests from other nodes), every byte is taken from the budget as it
 * arrives, before it is handed to the parser; when the budget is spent, the reader pauses its socket and keeps what
 * arrived until a release lets it go on. The bytes of a delivered frame stay taken: the handler gives them back (see
 * {@link #deliveredBytes()}) once the request is answered. Without a budget (the client side: answers to this node's own
 * requests, already bounded by what it asked) bytes are only parsed.
 */
final class FrameReader {
    /** Receives whole, checked frames. */
    interface FrameHandler {
        void frame(long requestId, DataMessage message);

        void malformed(ProtocolException e);

        /** A header passed the codec's checks; its payload is not read yet. Throw to refuse the frame. */
        default void header(DataCodec.Header header) throws ProtocolException {
        }
    }

    /** The socket as a budgeted reader controls it. */
    interface Input {
        void pause();

        void resume();

        /** Runs {@code task} on the socket's event loop, later. */
        void runOnLoop(Runnable task);
    }

    private final FrameHandler handler;
    private final IngressBudget budget;
    private final Input input;
    /** Bytes received and not yet part of a frame handed on, oldest first; {@link #headPos} bytes of the first are used. */
    private final ArrayDeque<Buffer> chunks = new ArrayDeque<>();
    private int headPos;
    private long buffered;
    private final ArrayDeque<Buffer> waiting = new ArrayDeque<>();
    private final Runnable budgetWaiter;
    private DataCodec.Header pending;
    private boolean failed;
    private boolean waitingForBudget;
    private boolean closed;
    /** Bytes taken from the budget and not yet part of a delivered frame: the frame being received. */
    private long partial;
    private long delivered;
    private long lastProgress = System.nanoTime();
    /** The frame being received straight into the arrays its message keeps (see {@link #assemble}), or null. */
    private Assembly assembly;

    /**
     * A frame whose payload ends in a byte array (a write's data, a read's answer), received into two exact arrays: its
     * fields and that byte array, which the decoded message then holds as it is. Kept in received pieces, a 1 MiB
     * replica write was copied three times on a replica's event loop: each piece out of netty's buffer, the pieces into
     * one payload, the data out of the payload (with ~5 % of each replica's CPU zeroing the arrays, issue 19's profile).
     */
    private static final class Assembly {
        final DataCodec.Header header;
        final byte[] fields;
        final byte[] trailing;
        /** Bytes of the budget taken for the part of the frame not received yet (0 without a budget). */
        long reserved;
        int filled;

        Assembly(DataCodec.Header header, int fieldsLength, long reserved) {
            this.header = header;
            this.fields = new byte[fieldsLength];
            this.trailing = new byte[header.length() - fieldsLength];
            this.reserved = reserved;
        }

        /** Copies up to what the frame still lacks from {@code b}, starting at {@code from}; returns how many bytes. */
        int fill(Buffer b, int from) {
            int n = Math.min(header.length() - filled, b.length() - from);
            int done = 0;
            while (done < n) {
                int at = filled + done;
                int k;
                if (at < fields.length) {
                    k = Math.min(n - done, fields.length - at);
                    b.getBytes(from + done, from + done + k, fields, at);
                } else {
                    k = n - done;
                    b.getBytes(from + done, from + done + k, trailing, at - fields.length);
                }
                done += k;
            }
            filled += n;
            return n;
        }

        boolean complete() {
            return filled == header.length();
        }
    }

    FrameReader(FrameHandler handler) {
        this(handler, null, null);
    }

    FrameReader(FrameHandler handler, IngressBudget budget, Input input) {
        this.handler = handler;
        this.budget = budget;
        this.input = input;
        this.budgetWaiter = input == null ? null : () -> input.runOnLoop(this::budgetFreed);
    }

    /**
     * Cuts the received bytes into headers and payloads. A record that lies within one received buffer is a slice of
     * it, not a copy (Vert.x's RecordParser copied every record, and allocated each through Netty's reflective
     * uninitialized-array call, 10 % of a replica's event loop in the issue 19 profile).
     */
    private void parse(Buffer bytes) {
        int used = 0;
        if (assembly != null) {
            used = assembly.fill(bytes, 0);
            if (!assembly.complete()) {
                return;
            }
            Assembly a = assembly;
            assembly = null;
            pending = null;
            try {
                deliver(a.header, DataCodec.decode(a.header, Buffer.buffer(a.fields), a.trailing));
            } catch (ProtocolException e) {
                fail(e);
                return;
            }
        }
        if (bytes.length() > used && !failed && !closed) {
            if (used > 0) {
                // The rest after an assembled frame: nothing else was kept while it was filled, so this is the only chunk.
                headPos = used;
            }
            chunks.add(bytes);
            buffered += bytes.length() - used;
        }
        while (!failed && !closed) {
            int need = pending == null ? DataCodec.HEADER : pending.length();
            if (buffered < need) {
                if (pending != null) {
                    assemble();
                }
                return;
            }
            Buffer record = take(need);
            try {
                if (pending == null) {
                    DataCodec.Header h = DataCodec.readHeader(record);
                    handler.header(h);
                    if (h.length() == 0) {
                        deliver(h, Buffer.buffer());
                    } else {
                        pending = h;
                    }
                } else {
                    DataCodec.Header h = pending;
                    pending = null;
                    deliver(h, record);
                }
            } catch (ProtocolException e) {
                fail(e);
            }
        }
    }

    private void fail(ProtocolException e) {
        failed = true;
        chunks.clear();
        buffered = 0;
        handler.malformed(e);
    }

    /**
     * The payload announced by {@link #pending} has begun and is not all here: if it ends in a byte array, the rest of it
     * is received straight into its {@link Assembly}. Its arrays are allocated for the whole payload then, so that
     * happens only once a quarter of it arrived (an announcement alone must not make the node allocate: what a peer can
     * make it hold stays within 4 x what the peer sent), and with a budget the part not yet received is reserved in it
     * (those bytes then arrive on the reservation instead of taking budget again, so an assembling frame cannot wait
     * for budget its own arrays hold; what is left of it goes back when the connection closes); when the budget has no
     * room for that, the frame is received in pieces as any other.
     */
    private void assemble() {
        int at = DataCodec.trailingBytesAt(pending.type());
        if (at < 0 || pending.length() < at || buffered * 4 < pending.length()) {
            return;
        }
        long reserve = budget == null ? 0 : pending.length() - buffered;
        if (budget != null && !budget.tryAcquire(reserve)) {
            return;
        }
        Assembly a = new Assembly(pending, at, reserve);
        while (!chunks.isEmpty()) {
            Buffer c = chunks.poll();
            a.fill(c, headPos);
            headPos = 0;
        }
        buffered = 0;
        assembly = a;
    }

    /** The next {@code n} buffered bytes (n <= buffered): a slice when they lie in one received buffer, else one copy. */
    private Buffer take(int n) {
        buffered -= n;
        Buffer first = chunks.peek();
        if (first.length() - headPos >= n) {
            Buffer out = first.slice(headPos, headPos + n);
            advance(first, n);
            return out;
        }
        byte[] out = new byte[n];
        int filled = 0;
        while (filled < n) {
            Buffer c = chunks.peek();
            int k = Math.min(n - filled, c.length() - headPos);
            c.getBytes(headPos, headPos + k, out, filled);
            filled += k;
            advance(c, k);
        }
        return Buffer.buffer(io.netty.buffer.Unpooled.wrappedBuffer(out));
    }

    private void advance(Buffer head, int n) {
        headPos += n;
        if (headPos == head.length()) {
            chunks.poll();
            headPos = 0;
        }
    }

    private void deliver(DataCodec.Header h, Buffer payload) throws ProtocolException {
        deliver(h, DataCodec.decode(h, payload)); // a bad frame's bytes stay partial: closed() returns them
    }

    private void deliver(DataCodec.Header h, DataMessage m) {
        long size = DataCodec.HEADER + (long) h.length();
        if (budget != null) {
            partial -= size; // from now on the handler's, until it answers
        }
        delivered = size;
        handler.frame(h.requestId(), m);
    }

    /** During {@link FrameHandler#frame}: the bytes of that frame still taken from the budget (0 without one). */
    long deliveredBytes() {
        return budget == null ? 0 : delivered;
    }

    /**
     * {@link #feed} with bytes that are only valid during this call: the netty buffer the socket read, which its caller
     * releases afterwards. Frames within it are decoded from it directly (every decoded field is a copy); only the bytes
     * kept beyond the call (the start of a frame, or bytes waiting for the budget) are copied to the heap. Vert.x's own
     * socket handler copied every buffer read to the heap first (a replica receives every byte its primary writes).
     */
    void feedBorrowed(ByteBuf borrowed) {
        Buffer bytes = Buffer.buffer(borrowed.slice()); // Buffer indexes from 0, a netty buffer from its readerIndex
        feed(bytes);
        if (!chunks.isEmpty() && chunks.peekLast() == bytes) {
            chunks.pollLast();
            int from = chunks.isEmpty() ? headPos : 0;
            if (chunks.isEmpty()) {
                headPos = 0;
            }
            chunks.addLast(Buffer.buffer(bytes.getBytes(from, bytes.length())));
        }
        for (int i = 0, n = waiting.size(); i < n; i++) {
            Buffer w = waiting.poll();
            waiting.add(w == bytes ? Buffer.buffer(bytes.getBytes()) : w);
        }
    }

    /** Reads {@code socket}'s bytes as netty hands them over ({@link #feedBorrowed}), releasing each after the call. */
    void readFrom(NetSocket socket) {
        ((NetSocketInternal) socket).messageHandler(msg -> {
            try {
                if (msg instanceof ByteBuf bytes) {
                    feedBorrowed(bytes);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        });
    }

    void feed(Buffer bytes) {
        if (failed || closed) {
            return;
        }
        lastProgress = System.nanoTime();
        if (budget == null) {
            parse(bytes);
            return;
        }
        if (waitingForBudget || !waiting.isEmpty()) {
            waiting.add(bytes);
            return;
        }
        take(bytes);
    }

    private void take(Buffer bytes) {
        // Bytes of a frame being assembled were reserved with its arrays: only what lies beyond it is taken now, so a
        // frame once assembling always gets the budget it needs to complete.
        long prepaid = assembly == null ? 0 : Math.min(bytes.length(), assembly.reserved);
        long more = bytes.length() - prepaid;
        if (more > 0 && !budget.acquireOrWait(more, budgetWaiter)) {
            if (prepaid > 0) {
                // The assembling frame's rest is in these bytes: it completes now, on its reservation, and only the
                // bytes after it wait (copied: these may be a borrowed buffer's, see feedBorrowed).
                Buffer rest = Buffer.buffer(bytes.getBytes((int) prepaid, bytes.length()));
                assembly.reserved -= prepaid;
                partial += prepaid;
                parse(bytes.slice(0, (int) prepaid));
                bytes = rest;
            }
            waiting.addFirst(bytes);
            waitingForBudget = true;
            input.pause();
            return;
        }
        if (prepaid > 0) {
            assembly.reserved -= prepaid;
        }
        partial += bytes.length();
        parse(bytes);
    }

    private void budgetFreed() {
        if (closed || !waitingForBudget) {
            return;
        }
        waitingForBudget = false;
        lastProgress = System.nanoTime(); // the wait was the node's, not the peer's
        while (!waiting.isEmpty() && !waitingForBudget && !failed && !closed) {
            take(waiting.poll());
        }
        if (!waitingForBudget) {
            input.resume();
        }
    }

    /** True while a frame has begun arriving and no byte came for {@code timeoutNanos} (and the node is not the one waiting). */
    boolean stalled(long now, long timeoutNanos) {
        boolean midFrame = pending != null || partial > 0;
        return midFrame && !waitingForBudget && now - lastProgress > timeoutNanos;
    }

    /** The connection closed: what the partial frame and the waiting bytes hold goes back to the budget. */
    void closed() {
        if (closed) {
            return;
        }
        closed = true;
        waiting.clear();
        chunks.clear();
        buffered = 0;
        if (budget != null) {
            budget.cancel(budgetWaiter);
            budget.release(partial + (assembly == null ? 0 : assembly.reserved));
            partial = 0;
        }
        assembly = null;
    }
}
