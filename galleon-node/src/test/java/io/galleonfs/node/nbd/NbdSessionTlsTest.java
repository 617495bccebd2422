package io.galleonfs.node.nbd;

import static io.galleonfs.node.nbd.NbdWire.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.config.NbdTls;
import io.galleonfs.node.ingress.IngressBudget;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Option haggling with NBD_OPT_STARTTLS under each {@link NbdTls} mode; the TLS handshake itself is the link's. */
class NbdSessionTlsTest {

    /** Captures output, runs lookups at once and holds the STARTTLS callback until the test completes the "handshake". */
    static final class TlsLink implements NbdSession.Link {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean closed;
        Consumer<String> handshake;
        /** What had been sent when the upgrade began: the ACK must be in it (it leaves in the clear). */
        int sentBeforeUpgrade = -1;

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
        }

        @Override
        public void resumeInput() {
        }

        @Override
        public void runOnLoop(Runnable task) {
            task.run();
        }

        @Override
        public void execute(Supplier<byte[]> work, Consumer<byte[]> done, boolean concurrent) {
            done.accept(work.get());
        }

        @Override
        public void startTls(Consumer<String> done) {
            sentBeforeUpgrade = out.size();
            handshake = done;
        }

        ByteBuffer take() {
            ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
            out.reset();
            return b;
        }
    }

    private final NbdSessionTest.MemoryExport disk = new NbdSessionTest.MemoryExport("vol1", 1 << 20, false);
    private final TlsLink link = new TlsLink();
    private final NbdExports exports = new NbdExports() {
        @Override
        public List<String> names() {
            return List.of("vol1");
        }

        @Override
        public Optional<NbdExport> open(String name) {
            return name.equals("vol1") ? Optional.of(disk) : Optional.empty();
        }
    };

    private NbdSession session(NbdTls mode) {
        NbdSession s = new NbdSession(exports, link, "test", new IngressBudget("test", 64L << 20), Duration.ofSeconds(30),
                Duration.ofSeconds(10), mode);
        s.start();
        link.take();
        s.feed(ByteBuffer.wrap(ByteBuffer.allocate(4).putInt(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES).array()));
        return s;
    }

    private static ByteBuffer option(int opt, byte[] data) {
        return ByteBuffer.wrap(ByteBuffer.allocate(16 + data.length).putLong(IHAVEOPT).putInt(opt).putInt(data.length).put(data).array());
    }

    private static byte[] goData(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(6 + n.length).putInt(n.length).put(n).putShort((short) 0).array();
    }

    private record Reply(int option, int type, String text) {
    }

    private static Reply reply(ByteBuffer b) {
        assertEquals(OPTION_REPLY_MAGIC, b.getLong());
        int opt = b.getInt();
        int type = b.getInt();
        byte[] data = new byte[b.getInt()];
        b.get(data);
        return new Reply(opt, type, new String(data, StandardCharsets.ISO_8859_1));
    }

    /** GO on vol1 and the replies up to its ACK: the session is then in transmission. */
    private void assertGoSucceeds(NbdSession s) {
        s.feed(option(OPT_GO, goData("vol1")));
        ByteBuffer r = link.take();
        Reply first = reply(r);
        assertEquals(REP_INFO, first.type(), first.text());
        Reply last = first;
        while (r.hasRemaining()) {
            last = reply(r);
        }
        assertEquals(REP_ACK, last.type());
        s.feed(ByteBuffer.wrap(NbdSessionTest.request(0, CMD_FLUSH, 7, 0, 0, null)));
        ByteBuffer flush = link.take();
        assertEquals(SIMPLE_REPLY_MAGIC, flush.getInt());
        assertEquals(0, flush.getInt());
        assertEquals(7, flush.getLong());
    }

    private void startTls(NbdSession s) {
        s.feed(option(OPT_STARTTLS, new byte[0]));
        assertNotNull(link.handshake, "the link was asked to upgrade");
        Reply ack = reply(link.take());
        assertEquals(OPT_STARTTLS, ack.option());
        assertEquals(REP_ACK, ack.type());
        assertEquals(20, link.sentBeforeUpgrade, "the ACK went out before the upgrade began");
    }

    @Test
    void requireRefusesEveryOptionButStartTlsAndAbortUntilTlsIsOn() {
        NbdSession s = session(NbdTls.REQUIRE);
        for (ByteBuffer opt : List.of(option(OPT_LIST, new byte[0]), option(OPT_INFO, goData("vol1")), option(OPT_GO, goData("vol1")),
                option(8, new byte[0]))) {
            s.feed(opt);
            Reply r = reply(link.take());
            assertEquals(REP_ERR_TLS_REQD, r.type(), "option " + r.option());
            assertTrue(r.text().contains("requires TLS"), r.text());
        }
        assertFalse(link.closed);
        assertNull(link.handshake);

        startTls(s);
        assertFalse(s.isSecure(), "not before the handshake is done");
        link.handshake.accept(null);
        assertTrue(s.isSecure());
        assertGoSucceeds(s);
        assertFalse(link.closed);
    }

    @Test
    void requireClosesOnExportNameBeforeTlsItCannotAnswerWithAnError() {
        NbdSession s = session(NbdTls.REQUIRE);
        s.feed(option(OPT_EXPORT_NAME, "vol1".getBytes(StandardCharsets.UTF_8)));
        assertTrue(link.closed);
        assertFalse(link.take().hasRemaining(), "no export data is sent in the clear");
    }

    @Test
    void requireStillAcceptsAbortBeforeTls() {
        NbdSession s = session(NbdTls.REQUIRE);
        s.feed(option(OPT_ABORT, new byte[0]));
        assertEquals(REP_ACK, reply(link.take()).type());
        assertTrue(link.closed);
    }

    @Test
    void optionalServesPlainClientsAndUpgradesThoseThatAsk() {
        NbdSession plain = session(NbdTls.OPTIONAL);
        assertGoSucceeds(plain);

        NbdSession s = session(NbdTls.OPTIONAL);
        startTls(s);
        link.handshake.accept(null);
        s.feed(option(OPT_STARTTLS, new byte[0]));
        Reply again = reply(link.take());
        assertEquals(REP_ERR_INVALID, again.type(), "TLS is already on");
        assertGoSucceeds(s);
    }

    @Test
    void offAnswersStartTlsWithUnsupported() {
        NbdSession s = session(NbdTls.OFF);
        s.feed(option(OPT_STARTTLS, new byte[0]));
        Reply r = reply(link.take());
        assertEquals(REP_ERR_UNSUP, r.type());
        assertNull(link.handshake);
        assertGoSucceeds(s);
    }

    @Test
    void startTlsWithDataIsInvalid() {
        NbdSession s = session(NbdTls.REQUIRE);
        s.feed(option(OPT_STARTTLS, new byte[] {1}));
        assertEquals(REP_ERR_INVALID, reply(link.take()).type());
        assertNull(link.handshake);
    }

    @Test
    void plaintextSentBehindStartTlsClosesTheConnection() {
        NbdSession s = session(NbdTls.REQUIRE);
        ByteBuffer startTls = option(OPT_STARTTLS, new byte[0]);
        ByteBuffer go = option(OPT_GO, goData("vol1"));
        // One packet: STARTTLS and a GO the attacker wants read as if it had come over TLS.
        s.feed(ByteBuffer.allocate(startTls.remaining() + go.remaining()).put(startTls).put(go).flip());
        assertTrue(link.closed);
        link.take();
        link.handshake.accept(null);
        assertFalse(s.isSecure());
        assertFalse(link.take().hasRemaining(), "nothing is answered");
    }

    @Test
    void aFailedHandshakeClosesTheConnection() {
        NbdSession s = session(NbdTls.REQUIRE);
        startTls(s);
        link.handshake.accept("certificate unknown");
        assertTrue(link.closed);
        assertFalse(s.isSecure());
    }

    @Test
    void optionsSentAfterTheHandshakeWaitForIt() {
        NbdSession s = session(NbdTls.REQUIRE);
        startTls(s);
        // Decrypted bytes can reach the session before the handshake's outcome does: they wait, then are answered.
        s.feed(option(OPT_LIST, new byte[0]));
        assertFalse(link.take().hasRemaining());
        link.handshake.accept(null);
        ByteBuffer r = link.take();
        assertEquals(REP_SERVER, reply(r).type());
        assertEquals(REP_ACK, reply(r).type());
        assertFalse(link.closed);
    }
}
