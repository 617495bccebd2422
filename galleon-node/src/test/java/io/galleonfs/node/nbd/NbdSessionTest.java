package io.galleonfs.node.nbd;

import static io.galleonfs.node.nbd.NbdWire.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.ChecksumMismatchException;
import io.galleonfs.node.blockio.AsyncVolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.ingress.IngressBudget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The protocol state machine fed with crafted byte sequences, without network or storage engine. */
class NbdSessionTest {

    /** A byte-array disk. */
    static final class MemoryExport implements NbdExport {
        final String name;
        final byte[] disk;
        final boolean readOnly;
        int flushes;
        IOException failReads;
        boolean waitsForOtherNodes;
        /** A replicated volume's: plain writes are started, their acknowledgements held in {@link #acks} for the test. */
        boolean replicated;
        final List<CompletableFuture<Void>> acks = new ArrayList<>();
        /** The non-blocking form this export offers (a forwarded volume's), or null. */
        AsyncVolumeIo async;

        @Override
        public AsyncVolumeIo async() {
            return async;
        }

        MemoryExport(String name, int size, boolean readOnly) {
            this.name = name;
            this.disk = new byte[size];
            this.readOnly = readOnly;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean concurrentRequests() {
            return waitsForOtherNodes;
        }

        @Override
        public long size() {
            return disk.length;
        }

        @Override
        public int blockSize() {
            return 4096;
        }

        @Override
        public boolean readOnly() {
            return readOnly;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            if (failReads != null) {
                throw failReads;
            }
            dst.put(disk, (int) offset, dst.remaining());
        }

        @Override
        public void write(long offset, ByteBuffer src) {
            src.get(disk, (int) offset, src.remaining());
        }

        @Override
        public boolean writesWaitForOtherNodes() {
            return replicated;
        }

        @Override
        public CompletableFuture<Void> startWrite(long offset, ByteBuffer src) {
            write(offset, src);
            CompletableFuture<Void> ack = new CompletableFuture<>();
            acks.add(ack);
            return ack;
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public void trim(long offset, long length) {
            Arrays.fill(disk, (int) offset, (int) (offset + length), (byte) 0);
        }
    }

    /** Captures output; runs work at once, or queues it when {@code deferred} to observe back-pressure. */
    static final class FakeLink implements NbdSession.Link {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ArrayDeque<Runnable> queued = new ArrayDeque<>();
        boolean deferred;
        boolean closed;
        boolean inputPaused;
        int pauses;

        @Override
        public void send(byte[] bytes) {
            out.writeBytes(bytes);
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public void pauseInput() {
            inputPaused = true;
            pauses++;
        }

        @Override
        public void resumeInput() {
            inputPaused = false;
        }

        /** Tasks for the event loop; the test runs them with {@link #runLoop()}. */
        final ArrayDeque<Runnable> loop = new ArrayDeque<>();

        @Override
        public void runOnLoop(Runnable task) {
            loop.add(task);
        }

        void runLoop() {
            while (!loop.isEmpty()) {
                loop.poll().run();
            }
        }

        final List<Boolean> concurrency = new ArrayList<>();

        @Override
        public void execute(Supplier<byte[]> work, Consumer<byte[]> done, boolean concurrent) {
            concurrency.add(concurrent);
            Runnable r = () -> done.accept(work.get());
            if (deferred) {
                queued.add(r);
            } else {
                r.run();
            }
        }

        /** Runs the work at once (or queues it when deferred); its reply is sent on the loop once the future completes. */
        @Override
        public void executeThenAwait(Supplier<CompletableFuture<byte[]>> work, Consumer<byte[]> done) {
            concurrency.add(true);
            Runnable r = () -> work.get().whenComplete((reply, x) -> runOnLoop(() -> done.accept(reply)));
            if (deferred) {
                queued.add(r);
            } else {
                r.run();
            }
        }

        ByteBuffer take() {
            ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
            out.reset();
            return b;
        }
    }

    final MemoryExport disk = new MemoryExport("vol1", 2 << 20, false);
    final MemoryExport ro = new MemoryExport("ro", 64 << 10, true);
    final FakeLink link = new FakeLink();
    final NbdExports exports = new NbdExports() {
        @Override
        public List<String> names() {
            return List.of("vol1", "ro");
        }

        @Override
        public Optional<NbdExport> open(String name) {
            return name.equals("vol1") ? Optional.of(disk) : name.equals("ro") ? Optional.of(ro) : Optional.empty();
        }
    };
    final IngressBudget budget = new IngressBudget("test", 64L << 20);
    final NbdSession session = new NbdSession(exports, link, "test", budget, Duration.ofSeconds(30), Duration.ofSeconds(10));

    private void feed(byte[] bytes) {
        session.feed(ByteBuffer.wrap(bytes));
    }

    private static byte[] option(int opt, byte[] data) {
        return ByteBuffer.allocate(16 + data.length).putLong(IHAVEOPT).putInt(opt).putInt(data.length).put(data).array();
    }

    private static byte[] goData(String name, int... infos) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(6 + n.length + 2 * infos.length).putInt(n.length).put(n).putShort((short) infos.length);
        for (int i : infos) {
            b.putShort((short) i);
        }
        return b.array();
    }

    static byte[] request(int flags, int type, long cookie, long offset, int length, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(28 + (payload == null ? 0 : payload.length)).putInt(REQUEST_MAGIC).putShort((short) flags)
                .putShort((short) type).putLong(cookie).putLong(offset).putInt(length);
        if (payload != null) {
            b.put(payload);
        }
        return b.array();
    }

    private record OptReply(int option, int type, byte[] data) {
    }

    private static OptReply optReply(ByteBuffer b) {
        assertEquals(OPTION_REPLY_MAGIC, b.getLong());
        int opt = b.getInt();
        int type = b.getInt();
        byte[] data = new byte[b.getInt()];
        b.get(data);
        return new OptReply(opt, type, data);
    }

    /** Handshake, client flags and GO on {@code name}; leaves the session in transmission. */
    private void go(String name) {
        session.start();
        ByteBuffer greeting = link.take();
        assertEquals(NBDMAGIC, greeting.getLong());
        assertEquals(IHAVEOPT, greeting.getLong());
        assertEquals(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES, greeting.getShort());
        feed(ByteBuffer.allocate(4).putInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES).array());
        feed(option(OPT_GO, goData(name, INFO_BLOCK_SIZE)));
        ByteBuffer r = link.take();
        OptReply export = optReply(r);
        assertEquals(REP_INFO, export.type());
        ByteBuffer e = ByteBuffer.wrap(export.data());
        assertEquals(INFO_EXPORT, e.getShort());
        assertEquals(name.equals("ro") ? ro.size() : disk.size(), e.getLong());
        int flags = e.getShort();
        assertEquals(TFLAG_HAS_FLAGS | TFLAG_SEND_FLUSH | TFLAG_SEND_FUA | TFLAG_SEND_TRIM | TFLAG_SEND_WRITE_ZEROES
                | (name.equals("ro") ? TFLAG_READ_ONLY : 0), flags);
        OptReply block = optReply(r);
        ByteBuffer bs = ByteBuffer.wrap(block.data());
        assertEquals(INFO_BLOCK_SIZE, bs.getShort());
        assertEquals(1, bs.getInt());
        assertEquals(4096, bs.getInt());
        assertEquals(32 << 20, bs.getInt());
        assertEquals(REP_ACK, optReply(r).type());
        assertFalse(r.hasRemaining());
    }

    private void assertSimple(ByteBuffer b, long cookie, int error) {
        assertEquals(SIMPLE_REPLY_MAGIC, b.getInt());
        assertEquals(error, b.getInt());
        assertEquals(cookie, b.getLong());
    }

    @Test
    void goThenWriteReadFlushTrimWriteZeroesDisc() {
        go("vol1");
        byte[] data = new byte[10000];
        new Random(1).nextBytes(data);
        feed(request(CMD_FLAG_FUA, CMD_WRITE, 1, 4095, data.length, data));
        assertSimple(link.take(), 1, 0);
        assertEquals(1, disk.flushes, "FUA flushes");
        feed(request(0, CMD_READ, 2, 4095, data.length, null));
        ByteBuffer r = link.take();
        assertSimple(r, 2, 0);
        byte[] back = new byte[data.length];
        r.get(back);
        assertArrayEquals(data, back);
        feed(request(0, CMD_FLUSH, 3, 0, 0, null));
        assertSimple(link.take(), 3, 0);
        assertEquals(2, disk.flushes);
        feed(request(0, CMD_TRIM, 4, 4095, 100, null));
        assertSimple(link.take(), 4, 0);
        feed(request(CMD_FLAG_NO_HOLE, CMD_WRITE_ZEROES, 5, 5000, 100, null));
        assertSimple(link.take(), 5, 0);
        assertEquals(0, disk.disk[4095]);
        assertEquals(0, disk.disk[5050]);
        assertEquals(data[5100 - 4095], disk.disk[5100]);
        feed(request(0, CMD_DISC, 6, 0, 0, null));
        assertTrue(link.closed);
        assertFalse(link.take().hasRemaining(), "DISC has no reply");
    }

    /**
     * A forwarded volume's non-blocking form over {@link MemoryExport}'s bytes: each call is held until the test answers
     * it, the way the primary's answer arrives later on another loop. {@code moved} makes every call decline to start.
     */
    static final class HeldAsync implements AsyncVolumeIo {
        final MemoryExport disk;
        final ArrayDeque<Runnable> answers = new ArrayDeque<>();
        final List<CompletableFuture<?>> started = new ArrayList<>();
        final List<WriteConcern> concerns = new ArrayList<>();
        boolean moved;

        HeldAsync(MemoryExport disk) {
            this.disk = disk;
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int length) {
            if (moved) {
                return null;
            }
            CompletableFuture<byte[]> f = new CompletableFuture<>();
            started.add(f);
            answers.add(() -> f.complete(Arrays.copyOfRange(disk.disk, (int) offset, (int) offset + length)));
            return f;
        }

        @Override
        public CompletableFuture<Void> write(long offset, byte[] data, WriteConcern concern) {
            if (moved) {
                return null;
            }
            concerns.add(concern);
            CompletableFuture<Void> f = new CompletableFuture<>();
            started.add(f);
            answers.add(() -> {
                System.arraycopy(data, 0, disk.disk, (int) offset, data.length);
                f.complete(null);
            });
            return f;
        }

        @Override
        public CompletableFuture<Void> flush() {
            if (moved) {
                return null;
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            started.add(f);
            answers.add(() -> {
                disk.flushes++;
                f.complete(null);
            });
            return f;
        }
    }

    /** Transmission on vol1 as a forwarded volume's export; the handshake's export lookup is not counted. */
    private HeldAsync goForwarded() {
        disk.waitsForOtherNodes = true;
        HeldAsync forwarded = new HeldAsync(disk);
        disk.async = forwarded;
        go("vol1");
        link.concurrency.clear();
        return forwarded;
    }

    @Test
    void aForwardedVolumesReadsWritesAndFlushesStartOnTheLoopAndAreAnsweredAsTheyComplete() {
        HeldAsync forwarded = goForwarded();
        byte[] data = new byte[4096];
        new Random(3).nextBytes(data);
        feed(request(0, CMD_WRITE, 1, 8192, data.length, data));
        feed(request(0, CMD_READ, 2, 0, 512, null));
        feed(request(0, CMD_FLUSH, 3, 0, 0, null));
        assertTrue(link.concurrency.isEmpty(), "nothing handed to a thread that may block");
        assertEquals(3, forwarded.started.size());
        assertEquals(List.of(WriteConcern.ACKNOWLEDGED), forwarded.concerns, "NBD writes are durable at FLUSH or FUA only");
        assertEquals(0, link.take().remaining(), "no reply before the primary answered");
        assertTrue(budget.used() >= 4096 + 16 + 512, "the write's payload and the read's reply are held");

        // The read is answered first: its reply goes first, by cookie.
        Runnable write = forwarded.answers.poll();
        forwarded.answers.poll().run();
        assertEquals(0, link.take().remaining(), "replies are sent on the connection's loop");
        link.runLoop();
        ByteBuffer r = link.take();
        assertSimple(r, 2, 0);
        r.position(r.position() + 512);
        assertFalse(r.hasRemaining());
        write.run();
        forwarded.answers.poll().run();
        link.runLoop();
        r = link.take();
        assertSimple(r, 1, 0);
        assertSimple(r, 3, 0);
        assertArrayEquals(data, Arrays.copyOfRange(disk.disk, 8192, 8192 + 4096));
        assertEquals(1, disk.flushes);
        assertEquals(0, budget.used(), "payload and reply bytes returned");
    }

    @Test
    void aReplicatedVolumesPlainWriteIsAnsweredWhenItsAcknowledgementCompletesNotWhenItsThreadReturns() {
        disk.waitsForOtherNodes = true;
        disk.replicated = true;
        go("vol1");
        byte[] data = new byte[4096];
        new Random(5).nextBytes(data);
        feed(request(0, CMD_WRITE, 1, 8192, data.length, data));
        feed(request(0, CMD_WRITE, 2, 0, 4, new byte[] {1, 2, 3, 4}));

        assertEquals(2, disk.acks.size(), "both writes started");
        assertArrayEquals(data, Arrays.copyOfRange(disk.disk, 8192, 8192 + 4096), "applied when started");
        assertEquals(0, budget.used(), "payloads returned once applied");
        link.runLoop();
        assertEquals(0, link.take().remaining(), "no reply before the acknowledgement");
        disk.acks.get(1).completeExceptionally(new IOException("volume 'vol1' has 1 healthy copy, fewer than its minimum of 2"));
        disk.acks.get(0).complete(null);
        link.runLoop();
        ByteBuffer r = link.take();
        assertSimple(r, 2, EIO);
        assertSimple(r, 1, 0);

        // FUA carries NBD's durability: the blocking path writes and flushes before the reply; nothing is started.
        feed(request(CMD_FLAG_FUA, CMD_WRITE, 3, 0, 4, new byte[] {5, 6, 7, 8}));
        assertEquals(2, disk.acks.size());
        assertEquals(1, disk.flushes);
        link.runLoop();
        assertSimple(link.take(), 3, 0);
    }

    @Test
    void aForwardedRequestThatFailsIsAnsweredWithAnErrorAndTheConnectionGoesOn() {
        HeldAsync forwarded = goForwarded();
        feed(request(0, CMD_WRITE, 1, 0, 4, new byte[] {1, 2, 3, 4}));
        ((CompletableFuture<?>) forwarded.started.getFirst()).completeExceptionally(
                new IOException("the primary of volume 'vol1' did not answer within 20 s"));
        link.runLoop();
        assertSimple(link.take(), 1, EIO);
        feed(request(0, CMD_READ, 2, 0, 8, null));
        forwarded.started.get(1).completeExceptionally(new ChecksumMismatchException(java.util.UUID.randomUUID(), 0));
        link.runLoop();
        assertSimple(link.take(), 2, EIO);
        // An answer of the wrong length is an error, never a short reply that would shift the stream.
        feed(request(0, CMD_READ, 3, 0, 8, null));
        ((CompletableFuture<byte[]>) forwarded.started.get(2)).complete(new byte[4]);
        link.runLoop();
        assertSimple(link.take(), 3, EIO);
        assertFalse(link.closed);
        assertEquals(0, budget.used());
    }

    @Test
    void whatTheNonBlockingFormDoesNotTakeRunsOnTheBlockingPath() {
        HeldAsync forwarded = goForwarded();
        feed(request(CMD_FLAG_FUA, CMD_WRITE, 1, 0, 4, new byte[] {1, 2, 3, 4}));
        feed(request(0, CMD_TRIM, 2, 0, 4096, null));
        feed(request(0, CMD_WRITE, 3, disk.size() - 2, 4, new byte[4]));
        byte[] big = new byte[WritePayload.CHUNK + 4096];
        feed(request(0, CMD_WRITE, 4, 0, big.length, big));
        forwarded.moved = true; // the primary moved here: the blocking path serves it locally
        feed(request(0, CMD_READ, 5, 0, 8, null));
        assertTrue(forwarded.started.isEmpty());
        assertEquals(List.of(true, true, true, true, true), link.concurrency);
        ByteBuffer r = link.take();
        assertSimple(r, 1, 0);
        assertSimple(r, 2, 0);
        assertSimple(r, 3, EINVAL);
        assertSimple(r, 4, 0);
        assertSimple(r, 5, 0);
        assertEquals(1, disk.flushes, "FUA");
    }

    @Test
    void inputSplitIntoSingleBytesIsReassembled() {
        session.start();
        link.take();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(ByteBuffer.allocate(4).putInt(FLAG_FIXED_NEWSTYLE).array());
        all.writeBytes(option(OPT_EXPORT_NAME, "vol1".getBytes(StandardCharsets.UTF_8)));
        all.writeBytes(request(0, CMD_WRITE, 7, 0, 3, new byte[] {1, 2, 3}));
        all.writeBytes(request(0, CMD_READ, 8, 0, 3, null));
        for (byte b : all.toByteArray()) {
            feed(new byte[] {b});
        }
        ByteBuffer r = link.take();
        assertEquals(disk.size(), r.getLong());
        assertEquals(TFLAG_HAS_FLAGS | TFLAG_SEND_FLUSH | TFLAG_SEND_FUA | TFLAG_SEND_TRIM | TFLAG_SEND_WRITE_ZEROES, r.getShort());
        r.position(r.position() + 124);
        assertSimple(r, 7, 0);
        assertSimple(r, 8, 0);
        assertEquals(1, r.get());
        assertEquals(2, r.get());
        assertEquals(3, r.get());
        assertFalse(r.hasRemaining());
        assertFalse(link.closed);
    }

    @Test
    void listInfoAndUnsupportedOptions() {
        session.start();
        link.take();
        feed(ByteBuffer.allocate(4).putInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES).array());
        feed(option(OPT_LIST, new byte[0]));
        ByteBuffer r = link.take();
        List<String> names = new ArrayList<>();
        OptReply o;
        while ((o = optReply(r)).type() == REP_SERVER) {
            ByteBuffer d = ByteBuffer.wrap(o.data());
            byte[] n = new byte[d.getInt()];
            d.get(n);
            names.add(new String(n, StandardCharsets.UTF_8));
        }
        assertEquals(REP_ACK, o.type());
        assertEquals(List.of("vol1", "ro"), names);

        feed(option(OPT_INFO, goData("missing")));
        assertEquals(REP_ERR_UNKNOWN, optReply(link.take()).type());
        feed(option(8, new byte[0]));
        OptReply unsup = optReply(link.take());
        assertEquals(8, unsup.option());
        assertEquals(REP_ERR_UNSUP, unsup.type());
        feed(option(OPT_GO, new byte[] {0, 0, 0, 9, 'x'}));
        assertEquals(REP_ERR_INVALID, optReply(link.take()).type());
        feed(option(OPT_INFO, goData("vol1", INFO_NAME)));
        r = link.take();
        assertEquals(REP_INFO, optReply(r).type());
        OptReply name = optReply(r);
        assertEquals(INFO_NAME, ByteBuffer.wrap(name.data()).getShort());
        assertEquals(REP_INFO, optReply(r).type());
        assertEquals(REP_ACK, optReply(r).type());
        feed(option(OPT_ABORT, new byte[0]));
        assertEquals(REP_ACK, optReply(link.take()).type());
        assertTrue(link.closed);
    }

    @Test
    void exportLookupsRunOnTheWorkerWhilePipelinedInputWaits() {
        session.start();
        link.take();
        link.deferred = true;
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(flags());
        all.writeBytes(option(OPT_LIST, new byte[0]));
        all.writeBytes(option(OPT_GO, goData("vol1")));
        all.writeBytes(request(0, CMD_WRITE, 1, 10, 2, new byte[] {5, 6}));
        all.writeBytes(request(0, CMD_READ, 2, 10, 2, null));
        feed(all.toByteArray());
        assertTrue(link.inputPaused);
        assertEquals(1, link.queued.size(), "the listing runs first; nothing behind it is parsed yet");
        assertFalse(link.take().hasRemaining());
        link.queued.poll().run();
        assertEquals(1, link.queued.size(), "then the GO lookup");
        assertTrue(link.inputPaused);
        link.queued.poll().run();
        assertEquals(2, link.queued.size(), "then the two requests");
        while (!link.queued.isEmpty()) {
            link.queued.poll().run();
        }
        assertFalse(link.inputPaused);
        ByteBuffer r = link.take();
        assertEquals(REP_SERVER, optReply(r).type());
        assertEquals(REP_SERVER, optReply(r).type());
        assertEquals(REP_ACK, optReply(r).type());
        assertEquals(REP_INFO, optReply(r).type());
        assertEquals(REP_INFO, optReply(r).type());
        assertEquals(REP_ACK, optReply(r).type());
        assertSimple(r, 1, 0);
        assertSimple(r, 2, 0);
        assertEquals(5, r.get());
        assertEquals(6, r.get());
        assertFalse(r.hasRemaining());
    }

    @Test
    void aFailingLookupClosesTheConnection() {
        FakeLink l = new FakeLink();
        NbdSession s = new NbdSession(new NbdExports() {
            @Override
            public List<String> names() {
                throw new IllegalStateException("metadata unavailable");
            }

            @Override
            public Optional<NbdExport> open(String name) {
                throw new IllegalStateException("metadata unavailable");
            }
        }, l, "test");
        s.start();
        s.feed(ByteBuffer.wrap(flags()));
        s.feed(ByteBuffer.wrap(option(OPT_GO, goData("vol1"))));
        assertTrue(l.closed);
        assertTrue(s.isClosed());
    }

    @Test
    void errorsMapToErrno() {
        go("vol1");
        feed(request(0, CMD_READ, 1, disk.size() - 1, 2, null));
        assertSimple(link.take(), 1, EINVAL);
        feed(request(0, CMD_READ, 2, -1, 2, null));
        assertSimple(link.take(), 2, EINVAL);
        feed(request(0, CMD_READ, 3, 0, (32 << 20) + 1, null));
        assertSimple(link.take(), 3, EINVAL);
        disk.failReads = new ChecksumMismatchException(java.util.UUID.randomUUID(), 0);
        feed(request(0, CMD_READ, 4, 0, 512, null));
        ByteBuffer r = link.take();
        assertSimple(r, 4, EIO);
        assertFalse(r.hasRemaining(), "no data after an error");
        disk.failReads = new IOException("disk gone");
        feed(request(0, CMD_READ, 5, 0, 512, null));
        assertSimple(link.take(), 5, EIO);
        assertFalse(link.closed);
    }

    @Test
    void aFullNodeIsEnospc() {
        go("vol1");
        disk.failReads = new io.galleonfs.engine.OutOfSpaceException("no space left for writes: 0 bytes free");
        feed(request(0, CMD_READ, 1, 0, 512, null));
        assertSimple(link.take(), 1, 28);
        assertFalse(link.closed);
    }

    @Test
    void writesToReadOnlyExportAreRefused() {
        go("ro");
        feed(request(0, CMD_WRITE, 1, 0, 2, new byte[] {1, 2}));
        assertSimple(link.take(), 1, EPERM);
        feed(request(0, CMD_TRIM, 2, 0, 2, null));
        assertSimple(link.take(), 2, EPERM);
        feed(request(0, CMD_READ, 3, 0, 2, null));
        ByteBuffer r = link.take();
        assertSimple(r, 3, 0);
        assertEquals(2, r.remaining());
    }

    private void assertClosedAfter(byte[]... inputs) {
        session.start();
        for (byte[] in : inputs) {
            feed(in);
        }
        assertTrue(link.closed, "connection closed");
        link.take();
        feed(new byte[] {1, 2, 3});
        assertFalse(link.take().hasRemaining(), "nothing is sent after close");
    }

    private static byte[] flags() {
        return ByteBuffer.allocate(4).putInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES).array();
    }

    @Test
    void unknownClientFlagsClose() {
        assertClosedAfter(ByteBuffer.allocate(4).putInt(0x80).array());
    }

    @Test
    void badOptionMagicCloses() {
        assertClosedAfter(flags(), ByteBuffer.allocate(16).putLong(0x1234).putInt(OPT_GO).putInt(0).array());
    }

    @Test
    void oversizedOptionClosesBeforeAllocating() {
        assertClosedAfter(flags(), ByteBuffer.allocate(16).putLong(IHAVEOPT).putInt(OPT_GO).putInt(-1).array());
    }

    @Test
    void unknownExportNameCloses() {
        assertClosedAfter(flags(), option(OPT_EXPORT_NAME, "nope".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void badRequestMagicCloses() {
        go("vol1");
        feed(ByteBuffer.allocate(28).putInt(0xdeadbeef).array());
        assertTrue(link.closed);
    }

    @Test
    void oversizedWriteCloses() {
        go("vol1");
        feed(request(0, CMD_WRITE, 1, 0, -1, null));
        assertTrue(link.closed);
        assertFalse(link.take().hasRemaining());
    }

    @Test
    void unknownCommandCloses() {
        go("vol1");
        feed(request(0, 77, 1, 0, 0, null));
        assertTrue(link.closed);
    }

    @Test
    void randomGarbageNeverThrows() {
        Random random = new Random(42);
        for (int i = 0; i < 500; i++) {
            FakeLink l = new FakeLink();
            NbdSession s = new NbdSession(new NbdExports() {
                @Override
                public List<String> names() {
                    return List.of("vol1");
                }

                @Override
                public Optional<NbdExport> open(String name) {
                    return Optional.of(disk);
                }
            }, l, "fuzz");
            s.start();
            s.feed(ByteBuffer.wrap(flags()));
            if (i % 2 == 0) {
                s.feed(ByteBuffer.wrap(option(OPT_EXPORT_NAME, new byte[] {'v'})));
            }
            byte[] junk = new byte[random.nextInt(200)];
            random.nextBytes(junk);
            s.feed(ByteBuffer.wrap(junk));
        }
    }

    @Test
    void tooManyRequestsInFlightPauseInputUntilRepliesGoOut() {
        go("vol1");
        link.deferred = true;
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        int n = NbdSession.MAX_IN_FLIGHT + 10;
        for (int i = 0; i < n; i++) {
            burst.writeBytes(request(0, CMD_READ, i, i, 1, null));
        }
        feed(burst.toByteArray());
        assertTrue(link.inputPaused);
        assertEquals(NbdSession.MAX_IN_FLIGHT, link.queued.size(), "parsing stops at the limit");
        while (!link.queued.isEmpty()) {
            link.queued.poll().run();
        }
        assertFalse(link.inputPaused);
        ByteBuffer r = link.take();
        for (int i = 0; i < n; i++) {
            assertSimple(r, i, 0);
            r.get();
        }
        assertFalse(r.hasRemaining());
    }
    @Test
    void repliesFollowCompletionOrderAndDiscWaitsForEveryRequestBeforeIt() {
        go("vol1");
        link.deferred = true;
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        burst.writeBytes(request(0, CMD_WRITE, 1, 0, 4, new byte[] {1, 2, 3, 4}));
        burst.writeBytes(request(0, CMD_READ, 2, 100, 2, null));
        burst.writeBytes(request(0, CMD_DISC, 3, 0, 0, null));
        feed(burst.toByteArray());
        assertEquals(2, link.queued.size(), "both requests were handed out before either finished");
        link.queued.pollLast().run(); // the read finishes first
        assertSimple(link.take(), 2, 0);
        assertFalse(link.closed, "the write received before DISC is still running");
        link.queued.poll().run();
        ByteBuffer r = link.take();
        assertSimple(r, 1, 0);
        assertFalse(r.hasRemaining(), "DISC has no reply");
        assertTrue(link.closed, "closed once every request before DISC was answered");
        assertEquals(3, disk.disk[2]);
        assertFalse(link.concurrency.contains(true), "a local export's requests run one at a time");
    }

    @Test
    void requestsOfAnExportThatWaitsForOtherNodesRunConcurrently() {
        disk.waitsForOtherNodes = true;
        go("vol1");
        int before = link.concurrency.size();
        feed(request(0, CMD_WRITE, 1, 0, 4, new byte[] {1, 2, 3, 4}));
        feed(request(0, CMD_READ, 2, 0, 4, null));
        assertEquals(List.of(true, true), link.concurrency.subList(before, link.concurrency.size()));
    }

    // ---- memory and timeouts (issue 12)

    private static long allocatedByThisThread() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void aHugeWriteHeaderFollowedByOneByteAllocatesOnlyOneChunk() {
        go("vol1");
        byte[] header = request(0, CMD_WRITE, 7, 0, MAX_REQUEST, null);
        long before = allocatedByThisThread();
        feed(header);
        feed(new byte[] {42});
        long allocated = allocatedByThisThread() - before;
        assertTrue(allocated < 2 * WritePayload.CHUNK, "a 32 MiB header and 1 byte allocated " + allocated + " bytes");
        assertEquals(WritePayload.CHUNK, budget.used(), "one chunk is taken from the budget, not the announced length");
        assertFalse(link.closed);
        session.closed();
        assertEquals(0, budget.used(), "a closed connection gives its partial payload back");
    }

    @Test
    void aLargeWriteArrivesInChunksAndIsWrittenWhole() {
        MemoryExport big = new MemoryExport("vol1", 4 << 20, false);
        NbdSession s = new NbdSession(new NbdExports() {
            @Override
            public List<String> names() {
                return List.of("vol1");
            }

            @Override
            public Optional<NbdExport> open(String name) {
                return Optional.of(big);
            }
        }, link, "test", budget, Duration.ofSeconds(30), Duration.ofSeconds(10));
        s.start();
        link.take();
        s.feed(ByteBuffer.wrap(flags()));
        s.feed(ByteBuffer.wrap(option(OPT_GO, goData("vol1"))));
        link.take();
        byte[] data = new byte[(3 << 20) + 5];
        new Random(3).nextBytes(data);
        byte[] req = request(0, CMD_WRITE, 9, 1, data.length, data);
        for (int at = 0; at < req.length; at += 65536) { // the way a socket delivers it
            s.feed(ByteBuffer.wrap(req, at, Math.min(65536, req.length - at)).slice());
        }
        assertSimple(link.take(), 9, 0);
        assertArrayEquals(data, Arrays.copyOfRange(big.disk, 1, 1 + data.length));
        assertEquals(0, budget.used(), "the payload's chunks went back to the budget once written");
    }

    @Test
    void aSpentBudgetPausesInputUntilBytesAreReturned() {
        go("vol1");
        assertTrue(budget.tryAcquire(budget.capacity()), "another connection holds the whole budget");
        byte[] data = new byte[1000];
        new Random(5).nextBytes(data);
        feed(request(0, CMD_WRITE, 1, 0, data.length, data));
        feed(request(0, CMD_READ, 2, 0, data.length, null)); // pipelined behind the waiting write
        assertTrue(link.inputPaused, "no budget: the socket stops delivering");
        assertEquals(1, budget.waiting());
        assertFalse(link.take().hasRemaining(), "nothing was answered");
        assertEquals(0, disk.disk[0]);

        budget.release(budget.capacity());
        assertTrue(link.inputPaused, "the wake-up runs on the event loop, not on the releasing thread");
        link.runLoop();
        assertFalse(link.inputPaused);
        ByteBuffer r = link.take();
        assertSimple(r, 1, 0);
        assertSimple(r, 2, 0);
        byte[] back = new byte[data.length];
        r.get(back);
        assertArrayEquals(data, back);
        assertEquals(0, budget.used());
    }

    /** The connection frees (and netty reuses) each received buffer as soon as feed returns. */
    @Test
    void inputKeptWhilePausedSurvivesTheReuseOfTheBufferItArrivedIn() {
        go("vol1");
        assertTrue(budget.tryAcquire(budget.capacity()), "another connection holds the whole budget");
        byte[] data = new byte[3000];
        new Random(6).nextBytes(data);
        byte[] first = request(0, CMD_WRITE, 1, 4096, data.length, data);
        byte[] second = request(0, CMD_READ, 2, 4096, data.length, null);
        ByteBuffer received = ByteBuffer.allocateDirect(first.length + second.length);
        received.put(first).put(second).flip();
        session.feed(received); // the write waits for budget with its header parsed and all of its payload unread
        assertTrue(link.inputPaused);
        ByteBuffer direct = ByteBuffer.allocateDirect(16);
        direct.put(request(0, CMD_FLUSH, 3, 0, 0, null), 0, 16).flip();
        session.feed(direct); // arrives while paused: netty had read it already
        received.clear();
        while (received.hasRemaining()) {
            received.put((byte) 0x5A); // the pooled memory holds the next connection's bytes now
        }
        direct.clear().put(new byte[16]);

        budget.release(budget.capacity());
        link.runLoop();
        session.feed(ByteBuffer.wrap(request(0, CMD_FLUSH, 3, 0, 0, null), 16, 12));
        ByteBuffer r = link.take();
        assertSimple(r, 1, 0);
        assertSimple(r, 2, 0);
        byte[] back = new byte[data.length];
        r.get(back);
        assertArrayEquals(data, back, "the payload kept while paused is the one the client sent");
        assertSimple(r, 3, 0);
        assertFalse(link.closed);
    }

    @Test
    void aReadWaitsForBudgetForItsReplyAndReturnsItOnceSent() {
        go("vol1");
        assertTrue(budget.tryAcquire(budget.capacity() - 100));
        feed(request(0, CMD_READ, 3, 0, 4096, null));
        assertTrue(link.inputPaused, "a 4 KiB reply does not fit in 100 bytes");
        budget.release(budget.capacity() - 100);
        link.deferred = true;
        link.runLoop();
        assertEquals(16 + 4096, budget.used(), "reserved while the read runs");
        link.queued.poll().run();
        assertSimple(link.take(), 3, 0);
        assertEquals(0, budget.used(), "returned once the reply was sent");
    }

    @Test
    void aRequestWhoseDataStopsArrivingTimesOut() {
        go("vol1");
        feed(request(0, CMD_WRITE, 1, 0, MAX_REQUEST, null));
        feed(new byte[] {1});
        long now = System.nanoTime();
        session.checkTimeouts(now + Duration.ofSeconds(29).toNanos());
        assertFalse(link.closed);
        session.checkTimeouts(now + Duration.ofSeconds(31).toNanos());
        assertTrue(link.closed, "30 s without a byte in the middle of a write");
        session.closed();
        assertEquals(0, budget.used());
    }

    @Test
    void aHalfSentRequestHeaderTimesOutButAnIdleConnectionDoesNot() {
        go("vol1");
        long now = System.nanoTime();
        session.checkTimeouts(now + Duration.ofHours(1).toNanos());
        assertFalse(link.closed, "idle between requests is fine: NBD has no keep-alive");
        feed(Arrays.copyOf(request(0, CMD_READ, 1, 0, 1, null), 10));
        session.checkTimeouts(System.nanoTime() + Duration.ofSeconds(31).toNanos());
        assertTrue(link.closed);
    }

    @Test
    void anUnfinishedHandshakeTimesOut() {
        session.start();
        feed(flags());
        long now = System.nanoTime();
        session.checkTimeouts(now + Duration.ofSeconds(9).toNanos());
        assertFalse(link.closed);
        session.checkTimeouts(now + Duration.ofSeconds(11).toNanos());
        assertTrue(link.closed, "no option within 10 s of the connection");
    }

    @Test
    void aConnectionPausedByTheNodeDoesNotTimeOut() {
        go("vol1");
        assertTrue(budget.tryAcquire(budget.capacity()));
        feed(request(0, CMD_WRITE, 1, 0, 100, new byte[100]));
        assertTrue(link.inputPaused);
        session.checkTimeouts(System.nanoTime() + Duration.ofMinutes(5).toNanos());
        assertFalse(link.closed, "waiting for the budget is the node's doing, not the client's");
        session.closed();
        assertEquals(0, budget.waiting(), "a closed connection stops waiting");
        budget.release(budget.capacity());
    }
}
