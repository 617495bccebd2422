package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile NBD and data-plane clients against a real daemon (issue 12): announced-but-never-sent payloads, unfinished
 * handshakes, garbage. The node must keep answering its health check, keep its memory bounded, close the stalled
 * connections itself, and serve normally afterwards. The daemon runs with the launcher's JVM options (no -Xmx: the JVM's
 * default heap) and shortened ingress timeouts, so the test takes well under a minute.
 */
class HostileClientsIT {
    /**
     * Before the ingress budget this test's clients took the daemon to 3.4 GiB RSS (and only the 40 garbage connections
     * were ever closed); with it the maximum is ~370 MiB from ~190 MiB at rest (see the FIGURE lines).
     */
    private static final long RSS_BOUND_KB = 900L << 10;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(4);
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(3);
    private static final int MAX_REQUEST = 32 << 20;

    private Path dir;
    private NodeProcess node;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-hostile");
    }

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        threads.shutdownNow();
        if (node != null) {
            node.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void hostileNbdAndDataPlaneClientsNeitherExhaustNorWedgeTheNode() throws Exception {
        int nbdPort = NodeProcess.freePort();
        node = new NodeProcess(dir.resolve("node"), List.of("--nbd-address", "127.0.0.1:" + nbdPort))
                .withJvmArgs("-Dgalleon.ingress.read-timeout-ms=" + READ_TIMEOUT.toMillis(),
                        "-Dgalleon.ingress.handshake-timeout-ms=" + HANDSHAKE_TIMEOUT.toMillis())
                .start();
        long pid = node.pid();
        assertExitsOnOutOfMemory(pid);
        int dataPort = Integer.parseInt(node.bindAddress.substring(node.bindAddress.lastIndexOf(':') + 1)) + 200;
        HttpResponse<String> created = send("POST", "/api/v1/volumes",
                "{\"name\":\"hostile\",\"size\":\"64M\",\"storage_class\":\"fast-local-ssd\",\"replicas\":1}");
        assertEquals(201, created.statusCode(), created.body());
        long rssBefore = rssKb(pid);

        Watch watch = new Watch(pid);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleWithFixedDelay(watch::sample, 0, 100, TimeUnit.MILLISECONDS);
        long started = System.nanoTime();
        List<Socket> mustBeClosed = new ArrayList<>();

        // NBD: 100 valid sessions that announce a 32 MiB write, send 1 byte of it and stall.
        for (int i = 0; i < 100; i++) {
            Socket s = nbdGo(nbdPort, "hostile");
            new DataOutputStream(s.getOutputStream()).write(writeHeader(i, 0, MAX_REQUEST));
            s.getOutputStream().write(7);
            mustBeClosed.add(s);
        }
        // NBD: 100 connections that never finish (or start) the handshake.
        for (int i = 0; i < 100; i++) {
            Socket s = connect(nbdPort);
            if (i % 2 == 0) {
                s.getOutputStream().write(new byte[] {0, 0, 0}); // 3 of the 4 bytes of client flags
            }
            mustBeClosed.add(s);
        }
        // NBD: garbage after the handshake, and instead of it.
        Random random = new Random(12);
        for (int i = 0; i < 10; i++) {
            Socket s = i % 2 == 0 ? nbdGo(nbdPort, "hostile") : connect(nbdPort);
            byte[] junk = new byte[4096];
            random.nextBytes(junk);
            s.getOutputStream().write(junk);
            mustBeClosed.add(s);
        }
        // Data plane: a HELLO, then a REPLICA_WRITE announcing the largest payload, 10 bytes of it, stall.
        for (int i = 0; i < 50; i++) {
            Socket s = connect(dataPort);
            s.getOutputStream().write(hello("hostile-" + i));
            s.getOutputStream().write(frameHeader(10, 2, (8 << 20) + 4096, 0));
            s.getOutputStream().write(new byte[10]);
            mustBeClosed.add(s);
        }
        // Data plane: a 4 GiB length, a large request before any HELLO, idle connections, garbage.
        for (int i = 0; i < 60; i++) {
            Socket s = connect(dataPort);
            switch (i % 4) {
                case 0 -> s.getOutputStream().write(frameHeader(10, 1, 0xFFFF_FFF0L, 0));
                case 1 -> s.getOutputStream().write(frameHeader(31, 1, 8 << 20, 0));
                case 2 -> {
                    // idle: never says HELLO
                }
                default -> {
                    byte[] junk = new byte[4096];
                    random.nextBytes(junk);
                    s.getOutputStream().write(junk);
                }
            }
            mustBeClosed.add(s);
        }
        long opened = System.nanoTime();
        System.out.printf("FIGURE hostile clients: %d connections opened in %d ms%n", mustBeClosed.size(),
                TimeUnit.NANOSECONDS.toMillis(opened - started));

        // Every hostile connection is closed by the node: each socket reads end-of-stream (or a reset).
        ConcurrentLinkedQueue<Long> closedAfter = new ConcurrentLinkedQueue<>();
        for (Socket s : mustBeClosed) {
            threads.submit(() -> {
                awaitClosedByPeer(s);
                closedAfter.add(System.nanoTime() - opened);
                return null;
            });
        }
        try {
            await("the node closes every hostile connection").atMost(READ_TIMEOUT.multipliedBy(4)).pollInterval(Duration.ofMillis(100))
                    .until(() -> closedAfter.size() == mustBeClosed.size());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the node closed " + closedAfter.size() + " of " + mustBeClosed.size()
                    + " hostile connections; max RSS meanwhile " + (watch.maxRssKb.get() >> 10) + " MiB, slowest health probe "
                    + watch.slowestHealthMs.get() + " ms, failed probes " + watch.failures, e);
        }
        long lastClose = closedAfter.stream().mapToLong(Long::longValue).max().orElseThrow();
        sampler.shutdownNow();
        assertTrue(sampler.awaitTermination(10, TimeUnit.SECONDS));
        System.out.printf("FIGURE hostile clients: max RSS %d MiB (before %d MiB, bound %d MiB), RSS samples %d%n",
                watch.maxRssKb.get() >> 10, rssBefore >> 10, RSS_BOUND_KB >> 10, watch.samples.get());
        System.out.printf("FIGURE hostile clients: all %d connections closed by the node %d ms after the last opened"
                        + " (read timeout %d ms, handshake timeout %d ms)%n", mustBeClosed.size(),
                TimeUnit.NANOSECONDS.toMillis(lastClose), READ_TIMEOUT.toMillis(), HANDSHAKE_TIMEOUT.toMillis());
        System.out.printf("FIGURE hostile clients: slowest /q/health/ready %d ms over %d probes, %d failed%n",
                watch.slowestHealthMs.get(), watch.probes.get(), watch.failures.size());

        assertTrue(watch.failures.isEmpty(), "health probes failed: " + watch.failures);
        assertTrue(watch.slowestHealthMs.get() < 2000, "health answered in " + watch.slowestHealthMs.get() + " ms");
        assertTrue(watch.maxRssKb.get() < RSS_BOUND_KB, "RSS reached " + (watch.maxRssKb.get() >> 10) + " MiB");

        // The node serves normally: an NBD write read back, and the same bytes over REST.
        byte[] data = new byte[(1 << 20) + 3];
        random.nextBytes(data);
        try (Socket s = nbdGo(nbdPort, "hostile")) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write(writeHeader(1, 4096, data.length));
            out.write(data);
            assertSimpleReply(in, 1);
            out.write(request(0, 0, 2, 4096, data.length)); // READ
            assertSimpleReply(in, 2);
            byte[] back = new byte[data.length];
            in.readFully(back);
            assertArrayEquals(data, back);
            out.write(request(0, 2, 3, 0, 0)); // DISC
        }
        HttpResponse<byte[]> rest = http.send(HttpRequest.newBuilder(URI.create("http://" + node.ipcAddress
                + "/api/v1/volumes/hostile/data?offset=4096&length=" + data.length)).header("Authorization", node.bearerToken())
                .timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, rest.statusCode());
        assertArrayEquals(data, rest.body());
        assertTrue(node.process().isAlive());
    }

    /** The flag every launcher passes is active in the running daemon (what jcmd reports, not only its command line). */
    private static void assertExitsOnOutOfMemory(long pid) throws Exception {
        String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("-XX:+ExitOnOutOfMemoryError"), cmdline);
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (Files.isExecutable(jcmd)) {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.flags").redirectErrorStream(true).start();
            String flags = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertTrue(flags.contains("-XX:+ExitOnOutOfMemoryError"), flags);
            System.out.println("FIGURE hostile clients: daemon " + flags.lines().filter(l -> l.contains("MaxHeapSize")).findFirst()
                    .map(l -> l.replaceAll(".*(-XX:MaxHeapSize=\\d+).*", "$1")).orElse("MaxHeapSize unknown"));
        }
    }

    // ---------------------------------------------------------------- watching the node

    /** Each sample reads the RSS and probes readiness (2 s timeout); the test schedules one every 100 ms. */
    private final class Watch {
        final long pid;
        final AtomicLong maxRssKb = new AtomicLong();
        final AtomicLong slowestHealthMs = new AtomicLong();
        final AtomicLong probes = new AtomicLong();
        final AtomicLong samples = new AtomicLong();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final HttpRequest ready;

        Watch(long pid) {
            this.pid = pid;
            this.ready = HttpRequest.newBuilder(URI.create("http://" + node.ipcAddress + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build();
        }

        void sample() {
            long t = System.nanoTime();
            try {
                maxRssKb.accumulateAndGet(rssKb(pid), Math::max);
                samples.incrementAndGet();
                int status = http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode();
                if (status != 200) {
                    failures.add("HTTP " + status);
                }
            } catch (IOException e) {
                failures.add(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            probes.incrementAndGet();
            slowestHealthMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t), Math::max);
        }
    }

    private static long rssKb(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
    }

    // ---------------------------------------------------------------- sockets

    private Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        sockets.add(s);
        return s;
    }

    /** Blocks until the peer closes the socket (end of stream or a reset); fails after 60 s. */
    private static void awaitClosedByPeer(Socket s) throws IOException {
        s.setSoTimeout(60_000);
        InputStream in = s.getInputStream();
        byte[] sink = new byte[8192];
        try {
            while (in.read(sink) >= 0) {
                // replies and error messages before the close
            }
        } catch (java.net.SocketException e) {
            // connection reset: closed by the node too
        }
    }

    // ---------------------------------------------------------------- NBD wire

    /** A fixed-newstyle handshake and NBD_OPT_GO; returns the socket in transmission. */
    private Socket nbdGo(int port, String export) throws IOException {
        Socket s = connect(port);
        s.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        assertEquals(0x4e42444d41474943L, in.readLong());
        assertEquals(0x49484156454F5054L, in.readLong());
        in.readShort();
        out.writeInt(3); // FIXED_NEWSTYLE | NO_ZEROES
        byte[] name = export.getBytes(StandardCharsets.UTF_8);
        out.writeLong(0x49484156454F5054L);
        out.writeInt(7); // OPT_GO
        out.writeInt(4 + name.length + 2);
        out.writeInt(name.length);
        out.write(name);
        out.writeShort(0);
        while (true) {
            assertEquals(0x3e889045565a9L, in.readLong());
            in.readInt();
            int type = in.readInt();
            byte[] data = new byte[in.readInt()];
            in.readFully(data);
            if (type == 1) { // ACK
                break;
            }
            assertEquals(3, type, "NBD_REP_INFO expected, got " + type + ": " + new String(data, StandardCharsets.UTF_8));
        }
        s.setSoTimeout(0);
        return s;
    }

    private static byte[] request(int flags, int type, long cookie, long offset, int length) {
        return ByteBuffer.allocate(28).putInt(0x25609513).putShort((short) flags).putShort((short) type).putLong(cookie)
                .putLong(offset).putInt(length).array();
    }

    private static byte[] writeHeader(long cookie, long offset, int length) {
        return request(0, 1, cookie, offset, length);
    }

    private static void assertSimpleReply(DataInputStream in, long cookie) throws IOException {
        assertEquals(0x67446698, in.readInt());
        assertEquals(0, in.readInt(), "NBD error");
        assertEquals(cookie, in.readLong());
    }

    // ---------------------------------------------------------------- data-plane wire (version 1)

    private static byte[] frameHeader(int type, long requestId, long length, int crc) {
        return ByteBuffer.allocate(24).putInt(0x474C4E44).put((byte) 1).put((byte) type).putShort((short) 0).putLong(requestId)
                .putInt((int) length).putInt(crc).array();
    }

    private static byte[] hello(String nodeId) {
        byte[] id = nodeId.getBytes(StandardCharsets.UTF_8);
        byte[] payload = ByteBuffer.allocate(2 + id.length + 8).putShort((short) id.length).put(id).putLong(1).array();
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return ByteBuffer.allocate(24 + payload.length).put(frameHeader(1, 1, payload.length, (int) crc.getValue())).put(payload).array();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + node.ipcAddress + path)).header("Authorization", node.bearerToken()).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
