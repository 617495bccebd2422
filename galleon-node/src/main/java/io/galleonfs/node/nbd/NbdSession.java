package io.galleonfs.node.nbd;

import static io.galleonfs.node.nbd.NbdWire.*;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.engine.OutOfRangeException;
import io.galleonfs.node.blockio.AsyncVolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.config.NbdTls;
import io.galleonfs.node.ingress.IngressBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The NBD protocol state of one connection: handshake, option haggling and transmission. Everything here runs on the
 * connection's event loop; storage calls and export lookups are handed to {@link Link#execute}, except a forwarded
 * volume's reads, writes and flushes, which start here without blocking ({@link NbdExport#async()}). Transmission requests
 * run one at a time, or concurrently when the export says each waits for other nodes, and are answered as they
 * complete (NBD replies carry the request's cookie); during the handshake parsing stops until a lookup is done, so
 * options are answered in order.
 * Input is parsed incrementally into buffers whose size is checked against the limits before they are allocated, and
 * any protocol violation closes the connection with one log line.
 * <p>
 * Memory: a write's payload is collected in {@link WritePayload} chunks taken from the node's {@link IngressBudget} as its
 * bytes arrive, and a read's reply is taken from it before the read runs; when the budget is spent, parsing and the socket
 * pause until bytes are returned. A client that stops sending in the middle of a request, or does not finish its
 * handshake in time, loses the connection ({@link #checkTimeouts}).
 */
final class NbdSession {
    private static final Logger LOG = Logger.getLogger(NbdSession.class);
    static final int MAX_IN_FLIGHT = 64;
    static final long MAX_IN_FLIGHT_BYTES = 128L << 20;
    private static final byte[] ZEROS = new byte[1 << 20];
    private static final byte[] NONE = new byte[0];

    /** What the session needs from the network and the executor. */
    interface Link {
        void send(byte[] bytes);

        void close();

        void pauseInput();

        void resumeInput();

        /** Sends {@code bytes}, then runs {@code written} once they left (or the connection closed), on any thread. */
        default void send(byte[] bytes, Runnable written) {
            send(bytes);
            written.run();
        }

        /** Runs {@code task} on the connection's event loop (later, never inline). */
        void runOnLoop(Runnable task);

        /**
         * Runs {@code task}, the completion of a request that finished on another thread, on the connection's event
         * loop; completions arriving together may run in one turn of the loop, their replies sent together.
         */
        default void completeOnLoop(Runnable task) {
            runOnLoop(task);
        }

        /**
         * Runs {@code work} off the event loop, then {@code done} on the event loop. Work submitted with {@code concurrent}
         * false runs one at a time in submission order; with true it runs at once, beside everything else.
         */
        void execute(Supplier<byte[]> work, Consumer<byte[]> done, boolean concurrent);

        default void execute(Supplier<byte[]> work, Consumer<byte[]> done) {
            execute(work, done, false);
        }

        /**
         * Runs {@code work} off the event loop beside everything else (as {@code execute} with {@code concurrent}), then
         * {@code done} on the event loop with the reply once the future {@code work} returned completes, on whichever
         * thread completes it.
         */
        default void executeThenAwait(Supplier<CompletableFuture<byte[]>> work, Consumer<byte[]> done) {
            execute(() -> work.get().join(), done, true);
        }

        /**
         * Sends what is queued, then turns the connection into a TLS server with the node's certificate; on the event
         * loop, {@code done} gets null once the handshake succeeded, or the reason it failed.
         */
        default void startTls(Consumer<String> done) {
            done.accept("this connection cannot do TLS");
        }
    }

    /** REQUEST_BUDGET: a READ waits until the ingress budget can hold its reply. */
    private enum Phase { CLIENT_FLAGS, OPTION_HEADER, OPTION_DATA, REQUEST_HEADER, REQUEST_PAYLOAD, REQUEST_BUDGET, DISCONNECTING, CLOSED }

    /** The rest of the handshake once an export lookup is done; runs on the event loop. */
    private interface Step<T> {
        void accept(T value) throws ProtocolException;
    }

    /** A broken rule of the protocol: the connection ends, the node does not care further. */
    private static final class ProtocolException extends Exception {
        ProtocolException(String message) {
            super(message, null, false, false);
        }
    }

    private final NbdExports exports;
    private final Link link;
    private final String peer;
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
    private final byte[] header = new byte[28];
    private final IngressBudget budget;
    private final long readTimeoutNanos;
    private final long handshakeTimeoutNanos;
    /** Queued in the budget while it is spent; hops to the event loop, where parsing goes on. */
    private final Runnable budgetWaiter;
    private final long startedAt = System.nanoTime();
    private final NbdTls tls;
    /** NBD_OPT_STARTTLS succeeded: every byte since is inside TLS. */
    private boolean secure;
    /** NBD_OPT_STARTTLS acknowledged, handshake not done: parsing waits, and any byte already received is refused. */
    private boolean awaitingTls;

    private Phase phase = Phase.CLIENT_FLAGS;
    private byte[] target = new byte[4];
    private int filled;
    private boolean noZeroes;
    private NbdExport export;
    private int option;
    private int requestFlags;
    private int requestType;
    private long cookie;
    private long offset;
    private long length;
    private int inFlight;
    private long inFlightBytes;
    private boolean paused;
    private boolean waitingForBudget;
    /** The write whose payload is arriving (REQUEST_PAYLOAD). */
    private WritePayload payload;
    /** The reply size of the read waiting in REQUEST_BUDGET. */
    private long replyReservation;
    private long lastInput = startedAt;

    /** A session with a budget of its own and the default timeouts (tests). */
    NbdSession(NbdExports exports, Link link, String peer) {
        this(exports, link, peer, new IngressBudget("session", Long.MAX_VALUE), Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    NbdSession(NbdExports exports, Link link, String peer, IngressBudget budget, Duration readTimeout, Duration handshakeTimeout) {
        this(exports, link, peer, budget, readTimeout, handshakeTimeout, NbdTls.OFF);
    }

    NbdSession(NbdExports exports, Link link, String peer, IngressBudget budget, Duration readTimeout, Duration handshakeTimeout,
               NbdTls tls) {
        this.tls = tls;
        this.exports = exports;
        this.link = link;
        this.peer = peer;
        this.budget = budget;
        this.readTimeoutNanos = readTimeout.toNanos();
        this.handshakeTimeoutNanos = handshakeTimeout.toNanos();
        this.budgetWaiter = () -> link.runOnLoop(this::budgetFreed);
    }

    void start() {
        link.send(ByteBuffer.allocate(18).putLong(NBDMAGIC).putLong(IHAVEOPT)
                .putShort((short) (FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)).array());
    }

    boolean isClosed() {
        return phase == Phase.CLOSED;
    }

    /**
     * Bytes from the peer, valid only during this call (the connection hands over netty's buffer and frees it after):
     * what the session cannot parse yet because it is paused is copied and kept for later.
     */
    void feed(ByteBuffer in) {
        if (phase == Phase.CLOSED || phase == Phase.DISCONNECTING) {
            return;
        }
        lastInput = System.nanoTime();
        if (paused || !pending.isEmpty()) {
            pending.add(copyOf(in));
            return;
        }
        consume(in);
        if (in.hasRemaining() && phase != Phase.CLOSED) {
            if (plaintextAfterStartTls()) {
                return;
            }
            pending.add(copyOf(in));
        }
    }

    private static ByteBuffer copyOf(ByteBuffer in) {
        ByteBuffer copy = ByteBuffer.allocate(in.remaining());
        copy.put(in).flip();
        return copy;
    }

    /**
     * Bytes that followed NBD_OPT_STARTTLS in the clear, before the handshake: a client waits for the ACK, so these
     * were sent to be read as if they came over TLS (command injection, as in SMTP's STARTTLS flaw). They end the
     * connection instead.
     */
    private boolean plaintextAfterStartTls() {
        if (!awaitingTls) {
            return false;
        }
        fail("bytes after NBD_OPT_STARTTLS before the TLS handshake");
        return true;
    }

    /** The peer went away or the server is stopping. */
    void closed() {
        phase = Phase.CLOSED;
        pending.clear();
        budget.cancel(budgetWaiter);
        if (payload != null) {
            budget.release(payload.reserved());
            payload = null;
        }
        if (export != null) {
            export.release();
        }
    }

    /**
     * Called about once a second with {@link System#nanoTime()}: closes the connection when the handshake is not done
     * within the handshake timeout, or a request stopped arriving half-way (no byte for the read timeout). A connection
     * idle between requests is fine (NBD has no keep-alive), and so is one paused by the node.
     */
    void checkTimeouts(long now) {
        if (phase == Phase.CLOSED || phase == Phase.DISCONNECTING || paused) {
            return;
        }
        boolean handshake = phase == Phase.CLIENT_FLAGS || phase == Phase.OPTION_HEADER || phase == Phase.OPTION_DATA;
        if (handshake && now - startedAt > handshakeTimeoutNanos) {
            fail("handshake not finished within " + Duration.ofNanos(handshakeTimeoutNanos).toSeconds() + " s");
        } else if ((phase == Phase.REQUEST_PAYLOAD || (phase == Phase.REQUEST_HEADER && filled > 0))
                && now - lastInput > readTimeoutNanos) {
            fail("no data for " + Duration.ofNanos(readTimeoutNanos).toSeconds() + " s in the middle of a request"
                    + (payload == null ? "" : " (write payload " + payload.length() + " bytes)"));
        }
    }

    private void consume(ByteBuffer in) {
        try {
            while (phase != Phase.CLOSED && phase != Phase.DISCONNECTING && !paused) {
                if (phase == Phase.REQUEST_PAYLOAD) {
                    if (payload.complete()) {
                        WritePayload p = payload;
                        payload = null;
                        dispatch(p);
                    } else if (!in.hasRemaining()) {
                        return;
                    } else if (!payload.needsChunk() || reserve(payload.nextChunkSize())) {
                        if (payload.needsChunk()) {
                            payload.addChunk();
                        }
                        payload.fill(in);
                    }
                    continue;
                }
                if (phase == Phase.REQUEST_BUDGET) {
                    if (reserve(replyReservation)) {
                        dispatch(null);
                    }
                    continue;
                }
                if (filled == target.length) {
                    filled = 0;
                    complete();
                    continue;
                }
                if (!in.hasRemaining()) {
                    return;
                }
                int n = Math.min(in.remaining(), target.length - filled);
                in.get(target, filled, n);
                filled += n;
            }
        } catch (ProtocolException e) {
            fail(e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf(e, "nbd %s: closing the connection after an internal error", peer);
            fail(null);
        }
    }

    private void expect(Phase next, byte[] into) {
        phase = next;
        target = into;
        filled = 0;
    }

    private void complete() throws ProtocolException {
        ByteBuffer b = ByteBuffer.wrap(target);
        switch (phase) {
            case CLIENT_FLAGS -> {
                int flags = b.getInt();
                if ((flags & ~(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)) != 0) {
                    throw new ProtocolException("unknown client flags 0x" + Integer.toHexString(flags));
                }
                noZeroes = (flags & FLAG_NO_ZEROES) != 0;
                expect(Phase.OPTION_HEADER, new byte[16]);
            }
            case OPTION_HEADER -> {
                long magic = b.getLong();
                if (magic != IHAVEOPT) {
                    throw new ProtocolException("bad option magic 0x" + Long.toHexString(magic));
                }
                option = b.getInt();
                long len = Integer.toUnsignedLong(b.getInt());
                if (len > MAX_OPTION) {
                    throw new ProtocolException("option " + option + " has " + len + " bytes of data, more than " + MAX_OPTION);
                }
                expect(Phase.OPTION_DATA, len == 0 ? NONE : new byte[(int) len]);
            }
            case OPTION_DATA -> handleOption(option, target);
            case REQUEST_HEADER -> {
                int magic = b.getInt();
                if (magic != REQUEST_MAGIC) {
                    throw new ProtocolException("bad request magic 0x" + Integer.toHexString(magic));
                }
                requestFlags = Short.toUnsignedInt(b.getShort());
                requestType = Short.toUnsignedInt(b.getShort());
                cookie = b.getLong();
                offset = b.getLong();
                length = Integer.toUnsignedLong(b.getInt());
                if (requestType == CMD_WRITE) {
                    if (length > MAX_REQUEST) {
                        throw new ProtocolException("write of " + length + " bytes is larger than " + MAX_REQUEST);
                    }
                    // Counted against the connection's limit as announced; memory is taken only as the bytes arrive.
                    inFlightBytes += length;
                    payload = new WritePayload(length);
                    phase = Phase.REQUEST_PAYLOAD;
                } else if (requestType == CMD_READ && length <= MAX_REQUEST) {
                    replyReservation = 16 + length;
                    phase = Phase.REQUEST_BUDGET;
                } else {
                    dispatch(null);
                }
            }
            default -> throw new IllegalStateException("no input expected in phase " + phase);
        }
    }

    // ---- options

    private void handleOption(int opt, byte[] data) throws ProtocolException {
        if (tls == NbdTls.REQUIRE && !secure && opt != OPT_STARTTLS && opt != OPT_ABORT) {
            if (opt == OPT_EXPORT_NAME) {
                // It has no error reply: the protocol document says to close.
                throw new ProtocolException("NBD_OPT_EXPORT_NAME before NBD_OPT_STARTTLS; this server requires TLS (--nbd-tls require)");
            }
            LOG.debugf("nbd %s: option %d refused before TLS", peer, opt);
            optionError(opt, REP_ERR_TLS_REQD, "this server requires TLS: send NBD_OPT_STARTTLS first (nbds:// URI)");
            expect(Phase.OPTION_HEADER, new byte[16]);
            return;
        }
        switch (opt) {
            case OPT_STARTTLS -> startTls(data);
            case OPT_EXPORT_NAME -> {
                String name = new String(data, StandardCharsets.UTF_8);
                offload(() -> exports.open(name), found -> {
                    NbdExport e = found.orElseThrow(() -> new ProtocolException("export '" + name
                            + "' is not a volume (or volume@snapshot) stored on this node (NBD_OPT_EXPORT_NAME cannot report errors)"));
                    ByteBuffer reply = ByteBuffer.allocate(10 + (noZeroes ? 0 : 124));
                    reply.putLong(e.size()).putShort((short) transmissionFlags(e));
                    link.send(reply.array());
                    enterTransmission(e);
                });
            }
            case OPT_ABORT -> {
                optionReply(opt, REP_ACK, NONE);
                LOG.debugf("nbd %s: client aborted the handshake", peer);
                phase = Phase.CLOSED;
                link.close();
            }
            case OPT_LIST -> {
                if (data.length != 0) {
                    optionError(opt, REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
                    expect(Phase.OPTION_HEADER, new byte[16]);
                } else {
                    offload(exports::names, (List<String> names) -> {
                        for (String name : names) {
                            byte[] n = name.getBytes(StandardCharsets.UTF_8);
                            optionReply(opt, REP_SERVER, ByteBuffer.allocate(4 + n.length).putInt(n.length).put(n).array());
                        }
                        optionReply(opt, REP_ACK, NONE);
                        expect(Phase.OPTION_HEADER, new byte[16]);
                    });
                }
            }
            case OPT_INFO, OPT_GO -> handleInfo(opt, ByteBuffer.wrap(data));
            default -> {
                optionError(opt, REP_ERR_UNSUP, "option " + opt + " is not supported by this server");
                expect(Phase.OPTION_HEADER, new byte[16]);
            }
        }
    }

    /**
     * NBD_OPT_STARTTLS: acknowledged, then the connection becomes TLS. Parsing stops until the handshake is done; the
     * client may send nothing in between (it waits for the ACK, then for the handshake), so what arrives meanwhile is
     * TLS records the handshake consumes below this session.
     */
    private void startTls(byte[] data) {
        if (tls == NbdTls.OFF) {
            optionError(OPT_STARTTLS, REP_ERR_UNSUP, "TLS is off on this server (--nbd-tls off)");
            expect(Phase.OPTION_HEADER, new byte[16]);
            return;
        }
        if (secure || data.length != 0) {
            optionError(OPT_STARTTLS, REP_ERR_INVALID, secure ? "TLS is already on" : "NBD_OPT_STARTTLS takes no data");
            expect(Phase.OPTION_HEADER, new byte[16]);
            return;
        }
        optionReply(OPT_STARTTLS, REP_ACK, NONE);
        expect(Phase.OPTION_HEADER, new byte[16]);
        paused = true;
        awaitingTls = true;
        link.startTls(failure -> {
            awaitingTls = false;
            if (phase == Phase.CLOSED) {
                return;
            }
            if (failure != null) {
                fail("TLS handshake failed: " + failure);
                return;
            }
            secure = true;
            LOG.debugf("nbd %s: TLS on", peer);
            resumeParsing();
        });
    }

    boolean isSecure() {
        return secure;
    }

    private void handleInfo(int opt, ByteBuffer d) throws ProtocolException {
        int nameLength = d.remaining() >= 4 ? d.getInt() : -1;
        if (nameLength < 0 || nameLength > d.remaining() - 2) {
            optionError(opt, REP_ERR_INVALID, "malformed NBD_OPT_INFO/GO data");
            expect(Phase.OPTION_HEADER, new byte[16]);
            return;
        }
        byte[] n = new byte[nameLength];
        d.get(n);
        String name = new String(n, StandardCharsets.UTF_8);
        int count = Short.toUnsignedInt(d.getShort());
        if (d.remaining() != count * 2) {
            optionError(opt, REP_ERR_INVALID, "malformed NBD_OPT_INFO/GO data: " + count + " info requests announced");
            expect(Phase.OPTION_HEADER, new byte[16]);
            return;
        }
        Set<Integer> requested = new HashSet<>();
        for (int i = 0; i < count; i++) {
            requested.add(Short.toUnsignedInt(d.getShort()));
        }
        offload(() -> exports.open(name), found -> answerInfo(opt, name, requested, found));
    }

    private void answerInfo(int opt, String name, Set<Integer> requested, Optional<NbdExport> found) {
        if (found.isEmpty()) {
            optionError(opt, REP_ERR_UNKNOWN, "export '" + name + "' is not a volume (or volume@snapshot) stored on this node");
            expect(Phase.OPTION_HEADER, new byte[16]);
            return;
        }
        NbdExport e = found.get();
        optionReply(opt, REP_INFO, ByteBuffer.allocate(12).putShort((short) INFO_EXPORT).putLong(e.size())
                .putShort((short) transmissionFlags(e)).array());
        if (requested.contains(INFO_NAME)) {
            byte[] canonical = e.name().getBytes(StandardCharsets.UTF_8);
            optionReply(opt, REP_INFO, ByteBuffer.allocate(2 + canonical.length).putShort((short) INFO_NAME).put(canonical).array());
        }
        // Always sent: with a minimum of 1 it imposes no alignment on the client, and it tells it the 32 MiB ceiling.
        optionReply(opt, REP_INFO, ByteBuffer.allocate(14).putShort((short) INFO_BLOCK_SIZE).putInt(1)
                .putInt(Math.min(e.blockSize(), MAX_REQUEST)).putInt(MAX_REQUEST).array());
        optionReply(opt, REP_ACK, NONE);
        if (opt == OPT_GO) {
            enterTransmission(e);
        } else {
            expect(Phase.OPTION_HEADER, new byte[16]);
        }
    }

    /**
     * Runs {@code lookup} (it may read the engine's metadata and wait for a lock) off the event loop, then {@code next} on
     * the event loop. Input is not parsed in between, so pipelined options and requests keep their order.
     */
    private <T> void offload(Supplier<T> lookup, Step<T> next) throws ProtocolException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        boolean[] submitted = {false};
        boolean[] doneInline = {false};
        link.execute(() -> {
            try {
                result.set(lookup.get());
            } catch (RuntimeException e) {
                failure.set(e);
            }
            return NONE;
        }, ignored -> {
            if (phase == Phase.CLOSED) {
                return;
            }
            if (!submitted[0]) {
                doneInline[0] = true; // the executor ran it at once: continue below, still inside consume()
                return;
            }
            try {
                if (failure.get() != null) {
                    throw failure.get();
                }
                next.accept(result.get());
            } catch (ProtocolException e) {
                fail(e.getMessage());
                return;
            } catch (RuntimeException e) {
                LOG.warnf(e, "nbd %s: closing the connection after an internal error", peer);
                fail(null);
                return;
            }
            resumeParsing();
        });
        submitted[0] = true;
        if (doneInline[0]) {
            if (failure.get() != null) {
                throw failure.get();
            }
            next.accept(result.get());
        } else if (phase != Phase.CLOSED) {
            paused = true;
            link.pauseInput();
        }
    }

    private static int transmissionFlags(NbdExport e) {
        return TFLAG_HAS_FLAGS | TFLAG_SEND_FLUSH | TFLAG_SEND_FUA | TFLAG_SEND_TRIM | TFLAG_SEND_WRITE_ZEROES
                | (e.readOnly() ? TFLAG_READ_ONLY : 0);
    }

    private void enterTransmission(NbdExport e) {
        export = e;
        e.attach(peer);
        LOG.debugf("nbd %s: serving export %s (%d bytes%s)", peer, e.name(), e.size(), e.readOnly() ? ", read-only" : "");
        expect(Phase.REQUEST_HEADER, header);
    }

    private void optionReply(int opt, int type, byte[] data) {
        link.send(ByteBuffer.allocate(20 + data.length).putLong(OPTION_REPLY_MAGIC).putInt(opt).putInt(type)
                .putInt(data.length).put(data).array());
    }

    private void optionError(int opt, int type, String message) {
        optionReply(opt, type, message.getBytes(StandardCharsets.UTF_8));
    }

    // ---- transmission

    private void dispatch(WritePayload written) throws ProtocolException {
        int type = requestType;
        int flags = requestFlags;
        long handle = cookie;
        long at = offset;
        long len = length;
        NbdExport e = export;
        if (type == CMD_DISC) {
            // Replies already queued still go out: the close is queued behind them.
            phase = Phase.DISCONNECTING;
            pending.clear();
            closeWhenIdle();
            return;
        }
        if (type != CMD_READ && type != CMD_WRITE && type != CMD_FLUSH && type != CMD_TRIM && type != CMD_WRITE_ZEROES) {
            throw new ProtocolException("unknown command " + type);
        }
        long bytes = type == CMD_READ ? Math.min(len, MAX_REQUEST) : written == null ? 0 : written.length();
        long replyBytes = type == CMD_READ && len <= MAX_REQUEST ? replyReservation : 0; // taken in REQUEST_BUDGET
        replyReservation = 0;
        inFlight++;
        if (type == CMD_READ) {
            inFlightBytes += bytes; // a write's were counted when its header arrived
        }
        expect(Phase.REQUEST_HEADER, header);
        Consumer<byte[]> done = reply -> {
            inFlight--;
            inFlightBytes -= bytes;
            if (phase == Phase.CLOSED) {
                budget.release(replyBytes);
                return;
            }
            link.send(reply, () -> budget.release(replyBytes));
            if (phase == Phase.DISCONNECTING) {
                closeWhenIdle();
            } else {
                maybeResume();
            }
        };
        CompletableFuture<byte[]> started = startWithoutBlocking(e, type, flags, handle, at, len, written);
        if (started != null) {
            started.whenComplete((reply, x) -> {
                if (written != null) {
                    budget.release(written.reserved()); // encoded into the request frame long ago
                }
                byte[] answer = x == null ? reply : failureReply(e, type, handle, at, len, unwrap(x));
                link.completeOnLoop(() -> done.accept(answer));
            });
        } else if (type == CMD_WRITE && (flags & CMD_FLAG_FUA) == 0 && e.concurrentRequests() && e.writesWaitForOtherNodes()
                && written.single() != null) {
            link.executeThenAwait(() -> {
                try {
                    return startWrite(e, handle, at, len, written.single());
                } finally {
                    budget.release(written.reserved()); // the engine and the replica frames have copied the payload
                }
            }, done);
        } else {
            link.execute(() -> {
                try {
                    return perform(e, type, flags, handle, at, len, written);
                } finally {
                    if (written != null) {
                        budget.release(written.reserved()); // the engine has copied the payload
                    }
                }
            }, done, e.concurrentRequests());
        }
        if (inFlight >= MAX_IN_FLIGHT || inFlightBytes >= MAX_IN_FLIGHT_BYTES) {
            paused = true;
            link.pauseInput();
        }
    }

    /** After NBD_CMD_DISC: every request received before it is answered, then the connection closes. */
    private void closeWhenIdle() {
        if (inFlight == 0 && phase != Phase.CLOSED) {
            LOG.debugf("nbd %s: client disconnected", peer);
            phase = Phase.CLOSED;
            link.close();
        }
    }

    private void maybeResume() {
        if (!paused || waitingForBudget || inFlight > MAX_IN_FLIGHT / 2 || inFlightBytes > MAX_IN_FLIGHT_BYTES / 2) {
            return;
        }
        resumeParsing();
    }

    /** Parses what arrived while paused, then lets the socket deliver again unless parsing paused once more. */
    private void resumeParsing() {
        paused = false;
        lastInput = System.nanoTime(); // the time paused was the node's, not the client's
        consume(ByteBuffer.allocate(0));
        while (!paused && !pending.isEmpty() && phase != Phase.CLOSED && phase != Phase.DISCONNECTING) {
            ByteBuffer next = pending.peek();
            consume(next);
            if (!next.hasRemaining()) {
                pending.poll();
            }
            if (awaitingTls && !pending.isEmpty() && plaintextAfterStartTls()) {
                return;
            }
        }
        if (!paused && phase != Phase.CLOSED) {
            link.resumeInput();
        }
    }

    /**
     * Takes {@code bytes} from the ingress budget; when it is spent, pauses parsing and the socket until a release wakes
     * {@link #budgetFreed}, and returns false.
     */
    private boolean reserve(long bytes) {
        if (budget.acquireOrWait(bytes, budgetWaiter)) {
            return true;
        }
        waitingForBudget = true;
        paused = true;
        link.pauseInput();
        return false;
    }

    /** On the event loop after the budget got bytes back: the stopped request tries again. */
    private void budgetFreed() {
        if (phase == Phase.CLOSED || !waitingForBudget) {
            return;
        }
        waitingForBudget = false;
        resumeParsing();
    }

    /** One request against the export; runs on the connection's executor, never on the event loop. */
    private byte[] perform(NbdExport e, int type, int flags, long handle, long at, long len, WritePayload payload) {
        try {
            if (type != CMD_READ && type != CMD_FLUSH && e.readOnly()) {
                return simpleReply(handle, EPERM);
            }
            if (type != CMD_FLUSH && (at < 0 || len > e.size() - at)) {
                return simpleReply(handle, EINVAL);
            }
            switch (type) {
                case CMD_READ -> {
                    if (len > MAX_REQUEST) {
                        return simpleReply(handle, EINVAL);
                    }
                    byte[] out = new byte[16 + (int) len];
                    ByteBuffer.wrap(out).putInt(SIMPLE_REPLY_MAGIC).putInt(0).putLong(handle);
                    e.read(at, ByteBuffer.wrap(out, 16, (int) len).slice());
                    return out;
                }
                case CMD_WRITE -> payload.writeTo(e, at);
                case CMD_TRIM -> {
                    if (len > 0) {
                        e.trim(at, len);
                    }
                }
                case CMD_WRITE_ZEROES -> {
                    if ((flags & CMD_FLAG_NO_HOLE) != 0) {
                        for (long done = 0; done < len; ) {
                            int n = (int) Math.min(ZEROS.length, len - done);
                            e.write(at + done, ByteBuffer.wrap(ZEROS, 0, n).asReadOnlyBuffer());
                            done += n;
                        }
                    } else if (len > 0) {
                        e.trim(at, len);
                    }
                }
                default -> {
                }
            }
            if (type == CMD_FLUSH || (flags & CMD_FLAG_FUA) != 0) {
                e.flush();
            }
            return simpleReply(handle, 0);
        } catch (IOException | RuntimeException x) {
            return failureReply(e, type, handle, at, len, x);
        }
    }

    /**
     * A plain write (no FUA, one payload chunk) on the connection's executor: applied there, its reply sent once the
     * acknowledgement completes, which for a replicated volume happens where the last replica's answer arrives instead of
     * on a thread parked for it (ARCHITECTURE, Replication: acknowledgement).
     */
    private CompletableFuture<byte[]> startWrite(NbdExport e, long handle, long at, long len, byte[] data) {
        if (e.readOnly()) {
            return CompletableFuture.completedFuture(simpleReply(handle, EPERM));
        }
        if (at < 0 || len > e.size() - at) {
            return CompletableFuture.completedFuture(simpleReply(handle, EINVAL));
        }
        try {
            return e.startWrite(at, ByteBuffer.wrap(data)).handle((v, x) -> x == null ? simpleReply(handle, 0)
                    : failureReply(e, CMD_WRITE, handle, at, len, unwrap(x)));
        } catch (IOException | RuntimeException x) {
            return CompletableFuture.completedFuture(failureReply(e, CMD_WRITE, handle, at, len, x));
        }
    }

    /**
     * Starts a read, a plain write or a flush without blocking, when the export has that form (a forwarded volume): on
     * the event loop, so it must not block; the future completes with the reply on another event loop. Null for
     * everything the blocking path does better or must decide: other commands, FUA, a write of several payload chunks,
     * and requests it answers with an error (read-only export, out of range).
     */
    private CompletableFuture<byte[]> startWithoutBlocking(NbdExport e, int type, int flags, long handle, long at, long len,
                                                           WritePayload written) {
        if (!e.concurrentRequests() || (type != CMD_READ && type != CMD_WRITE && type != CMD_FLUSH)) {
            return null;
        }
        AsyncVolumeIo io = e.async();
        if (io == null) {
            return null;
        }
        try {
            if (type == CMD_FLUSH) {
                CompletableFuture<Void> f = io.flush();
                return f == null ? null : f.thenApply(v -> simpleReply(handle, 0));
            }
            if (at < 0 || len > e.size() - at) {
                return null;
            }
            if (type == CMD_READ) {
                if (len > MAX_REQUEST) {
                    return null;
                }
                CompletableFuture<byte[]> f = io.read(at, (int) len);
                return f == null ? null : f.thenApply(data -> readReply(handle, len, data));
            }
            byte[] data = written.single();
            if (e.readOnly() || (flags & CMD_FLAG_FUA) != 0 || data == null) {
                return null;
            }
            // Plain NBD writes are acknowledged only: FLUSH and FUA carry NBD's durability (as VolumeExport.write).
            CompletableFuture<Void> f = io.write(at, data, WriteConcern.ACKNOWLEDGED);
            return f == null ? null : f.thenApply(v -> simpleReply(handle, 0));
        } catch (RuntimeException x) {
            return CompletableFuture.failedFuture(x);
        }
    }

    private static byte[] readReply(long handle, long len, byte[] data) {
        if (data.length != len) {
            throw new IllegalStateException("the primary answered a read of " + len + " bytes with " + data.length);
        }
        byte[] out = new byte[16 + data.length];
        ByteBuffer.wrap(out).putInt(SIMPLE_REPLY_MAGIC).putInt(0).putLong(handle).put(data);
        return out;
    }

    private static Throwable unwrap(Throwable x) {
        return x instanceof CompletionException && x.getCause() != null ? x.getCause() : x;
    }

    /** The error a failed request is answered with, logged as its kind deserves. */
    private byte[] failureReply(NbdExport e, int type, long handle, long at, long len, Throwable x) {
        if (x instanceof OutOfRangeException) {
            return simpleReply(handle, EINVAL);
        }
        if (x instanceof ChecksumMismatchException) {
            LOG.errorf("nbd %s: export %s: %s", peer, e.name(), x.getMessage());
            return simpleReply(handle, EIO);
        }
        if (io.galleonfs.node.volume.OutOfSpace.is(x)) {
            LOG.warnf("nbd %s: export %s: command %d at %d+%d: %s", peer, e.name(), type, at, len, x.getMessage());
            return simpleReply(handle, ENOSPC);
        }
        LOG.errorf("nbd %s: export %s: command %d at %d+%d failed: %s", peer, e.name(), type, at, len, x.toString());
        return simpleReply(handle, EIO);
    }

    static byte[] simpleReply(long handle, int error) {
        return ByteBuffer.allocate(16).putInt(SIMPLE_REPLY_MAGIC).putInt(error).putLong(handle).array();
    }

    private void fail(String reason) {
        if (phase == Phase.CLOSED) {
            return;
        }
        if (reason != null) {
            LOG.warnf("nbd %s: closing the connection: %s", peer, reason);
        }
        phase = Phase.CLOSED;
        pending.clear();
        link.close();
    }
}
