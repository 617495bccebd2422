package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.galleonfs.cli.ClusterHarness.Node;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Replication across three real daemons (127.0.0.2-4): reads survive the primary's death, a returning replica catches
 * up by delta, a wiped copy is rebuilt, writes under load survive a primary kill, a frozen primary is fenced, corrupt
 * blocks are repaired, and garbage on the data port harms nothing. Volumes use the unencrypted class with 3 replicas.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationIT {
    private static final Duration HEAL = Duration.ofSeconds(60);
    private static final int BS = 4096;
    private static final int NBD_PORT = 7061; // clear of the ports a node derives from its bind port (7081): FD_SOCK2 +100, data plane +200

    private ClusterHarness cluster;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    private Path config;

    @BeforeAll
    void start() throws Exception {
        cluster = new ClusterHarness().withNodeArgs(i -> List.of("--nbd-address", ClusterHarness.host(i) + ":" + NBD_PORT));
        // A short grace period so re-placement is testable; every other test restores a node well within it.
        config = java.nio.file.Files.createTempFile("galleon-replication-it", ".toml");
        // The layer engine: several tests lose or corrupt a copy by editing its volume's layer files on disk. The
        // same behaviours run on the log store in LogFormatReplicationContractTest.
        java.nio.file.Files.writeString(config, "[storage]\nengine_format = \"layers\"\n\n[replication]\nreplica_grace_period = 20\n");
        cluster.startCluster(3, "--config", config.toString());
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (config != null) {
            java.nio.file.Files.deleteIfExists(config);
        }
    }

    // ---------------------------------------------------------------- helpers

    private JsonNode create(Node via, String name, String size) throws Exception {
        return create(via, name, size, 3);
    }

    private JsonNode create(Node via, String name, String size, int replicas) throws Exception {
        HttpResponse<String> r = cluster.send(via, "POST", "/api/v1/volumes", "{\"name\":\"" + name + "\",\"size\":\"" + size
                + "\",\"storage_class\":\"fast-local-ssd\",\"replicas\":" + replicas + "}");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode v = ClusterHarness.JSON.readTree(r.body());
        assertEquals(replicas, v.get("replicas").size(), r.body());
        return v;
    }

    private List<String> copies(Node observer, String vol) {
        List<String> nodes = new ArrayList<>();
        volume(observer, vol).get("replicas").forEach(r -> nodes.add(r.get("node").asText()));
        return nodes;
    }

    /** The last refused write, for assertion messages. */
    private volatile String lastWriteFailure;

    private int write(Node via, String vol, long offset, byte[] data, String concern) throws Exception {
        HttpRequest req = cluster.request(via, "/api/v1/volumes/" + vol + "/data?offset=" + offset
                        + "&write_concern=" + concern).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            lastWriteFailure = "write " + vol + "@" + offset + " via " + via + ": " + r.statusCode() + " " + r.body();
            System.out.println(lastWriteFailure);
        }
        return r.statusCode();
    }

    private byte[] read(Node via, String vol, long offset, int length) throws Exception {
        HttpRequest req = cluster.request(via, "/api/v1/volumes/" + vol + "/data?offset=" + offset
                + "&length=" + length).timeout(Duration.ofSeconds(60)).GET().build();
        HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        return r.body();
    }

    private JsonNode volume(Node via, String vol) {
        return cluster.getJson(via, "/api/v1/volumes/" + vol);
    }

    private Node nodeById(String id) {
        return cluster.byId(id).orElseThrow(() -> new AssertionError("no node " + id));
    }

    private Node primaryOf(Node observer, String vol) {
        for (JsonNode r : volume(observer, vol).get("replicas")) {
            if (r.get("primary").asBoolean()) {
                return nodeById(r.get("node").asText());
            }
        }
        throw new AssertionError("no primary listed for " + vol);
    }

    private void awaitHealthy(Node observer, String vol) {
        await(vol + " healthy on " + observer).atMost(HEAL).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> volume(observer, vol).get("state").asText().equals("healthy"));
    }

    private void awaitMetricAbove(Node node, String name, double value) {
        await(name + " above " + value + " on " + node).atMost(HEAL).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> metric(node, name) > value);
    }

    private double metric(Node node, String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + node.ipc() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("metric " + name + " not found on " + node);
    }

    /**
     * Waits until a rebuild of {@code vol} is at least {@code percent} done, as its primary reports it live (the
     * {@code galleon_volume_rebuild_*_bytes} gauges): the progress in metadata is committed in 10 % steps and a few-second
     * rebuild on a busy host can finish between two of them being seen.
     */
    private void awaitRebuildProgress(Node primary, String vol, int percent) {
        await("rebuild of " + vol + " past " + percent + " %").atMost(HEAL).pollInterval(Duration.ofMillis(10)).ignoreExceptions()
                .until(() -> {
                    String body = http.send(HttpRequest.newBuilder(URI.create("http://" + primary.ipc() + "/q/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    double done = volumeGauge(body, "galleon_volume_rebuild_done_bytes", vol);
                    double total = volumeGauge(body, "galleon_volume_rebuild_total_bytes", vol);
                    return total > 0 && done >= total * percent / 100;
                });
    }

    private static double volumeGauge(String metrics, String name, String vol) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "{") && line.contains("volume=\"" + vol + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private JsonNode scrub(Node via, String vol) throws Exception {
        HttpResponse<String> r = cluster.send(via, "POST", "/api/v1/volumes/" + vol + "/scrub", null);
        assertEquals(200, r.statusCode(), r.body());
        return ClusterHarness.JSON.readTree(r.body());
    }

    private static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Node other(Node... not) {
        List<Node> excluded = List.of(not);
        return cluster.nodes().stream().filter(n -> !excluded.contains(n)).findFirst().orElseThrow();
    }

    // ---------------------------------------------------------------- tests

    /**
     * NBD on a node that holds no copy: its requests are forwarded to the primary from the connection's event loop, and
     * when the primary dies they wait for its successor instead of failing (nbdcopy, libnbd-bin, installed by .ci/run).
     */
    @Test
    @Order(0)
    void nbdThroughANodeWithoutACopyFollowsTheFailover() throws Exception {
        Assumptions.assumeTrue(installed("nbdcopy"), "nbdcopy (apt-get install libnbd-bin) is not installed");
        Node a = cluster.node(1);
        create(a, "rn", "16M", 2);
        awaitHealthy(a, "rn");
        Node primary = primaryOf(a, "rn");
        List<String> holders = copies(a, "rn");
        Node forwarder = cluster.nodes().stream().filter(n -> !holders.contains(n.id)).findFirst().orElseThrow();
        Node survivor = cluster.nodes().stream().filter(n -> holders.contains(n.id) && n != primary).findFirst().orElseThrow();
        String uri = "nbd://" + ClusterHarness.host(forwarder.index) + ":" + NBD_PORT + "/rn";
        Path dir = java.nio.file.Files.createTempDirectory("galleon-forwarded-nbd");
        try {
            byte[] data = random(40, 8 << 20);
            Path in = java.nio.file.Files.write(dir.resolve("in.bin"), data);
            runTool("nbdcopy", "--flush", in.toString(), uri);
            assertArrayEquals(data, read(primary, "rn", 0, data.length), "written through the forwarding node");
            Path back = dir.resolve("back.bin");
            runTool("nbdcopy", uri, back.toString());
            assertArrayEquals(data, java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(back), data.length));

            cluster.kill(primary);
            Path after = dir.resolve("after.bin");
            runTool("nbdcopy", uri, after.toString()); // waits through the failover
            assertArrayEquals(data, java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(after), data.length));
            assertEquals(survivor, primaryOf(forwarder, "rn"), "the surviving copy took over");
        } finally {
            try (var files = java.nio.file.Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /**
     * NBD writes to a replicated volume while one replica is frozen: none is answered before the primary timed that
     * replica out and recorded it stale (the acknowledgement, judged where the answers arrive, falls back to the
     * primary's full check), every byte is there, and the copy catches up after the thaw (nbdcopy, libnbd-bin).
     */
    @Test
    @Order(0)
    void nbdWritesWhileAReplicaIsFrozenAreAcknowledgedOnceItIsRecordedStaleAndItCatchesUp() throws Exception {
        Assumptions.assumeTrue(installed("nbdcopy"), "nbdcopy (apt-get install libnbd-bin) is not installed");
        cluster.heal();
        Node a = cluster.node(1);
        create(a, "rz", "16M", 3);
        awaitHealthy(a, "rz");
        Node primary = primaryOf(a, "rz");
        // Not the Raft leader: the stale mark must commit while the replica is frozen.
        Node leader = cluster.leaderSeenBy(primary).orElseThrow();
        Node frozen = cluster.nodes().stream().filter(n -> n != primary && n != leader).findFirst().orElseThrow();
        String uri = "nbd://" + ClusterHarness.host(primary.index) + ":" + NBD_PORT + "/rz";
        Path dir = java.nio.file.Files.createTempDirectory("galleon-frozen-replica-nbd");
        try {
            byte[] data = random(42, 4 << 20);
            Path in = java.nio.file.Files.write(dir.resolve("in.bin"), data);
            double before = metric(primary, "galleon_replication_resync_bytes_total");
            cluster.pause(frozen);
            long pausedAt = System.nanoTime();
            try {
                runTool("nbdcopy", "--flush", in.toString(), uri);
            } finally {
                cluster.resume(frozen);
            }
            System.out.printf("FIGURE nbd-frozen-replica copy_s=%.1f%n", (System.nanoTime() - pausedAt) / 1e9);
            assertArrayEquals(data, read(primary, "rz", 0, data.length), "every acknowledged byte on the primary");
            awaitMetricAbove(primary, "galleon_replication_resync_bytes_total", before);
            awaitHealthy(a, "rz");
            JsonNode s = scrub(primary, "rz");
            assertEquals(0, s.get("blocks_repaired").asLong(), "copies identical after the catch-up: " + s);
        } finally {
            try (var files = java.nio.file.Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static boolean installed(String tool) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> java.nio.file.Files.isExecutable(Path.of(d, tool)));
    }

    private static void runTool(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + " failed:\n" + output);
    }

    @Test
    @Order(1)
    void replicatedWritesSurviveThePrimarysDeath() throws Exception {
        cluster.heal();
        Node a = cluster.node(1);
        create(a, "r1", "64M");
        assertEquals(a, primaryOf(a, "r1"), "the node that took the create holds the primary");
        byte[] data = random(1, 4 << 20);
        assertEquals(200, write(a, "r1", 0, data, "replicated"));
        awaitHealthy(a, "r1");

        Node b = cluster.node(2);
        long t0 = System.nanoTime();
        cluster.kill(a);
        // B forwards to the primary; while none answers the read waits for the failover.
        assertArrayEquals(data, read(b, "r1", 0, data.length));
        double failover = (System.nanoTime() - t0) / 1e9;
        System.out.printf("FIGURE failover-read-after-kill s=%.2f%n", failover);
        Node newPrimary = primaryOf(b, "r1");
        assertTrue(newPrimary != a, "a new primary: " + newPrimary);
        JsonNode v = volume(b, "r1");
        assertEquals("degraded", v.get("state").asText(), v.toString());

        // The old primary comes back stale and is rebuilt from the new one (its copy may hold unshipped writes).
        cluster.restart(a);
        awaitHealthy(b, "r1");
        JsonNode s = scrub(newPrimary, "r1");
        assertEquals(0, s.get("blocks_repaired").asLong(), "all copies agree after the rebuild: " + s);
        assertTrue(s.get("blocks_checked").asLong() >= (4 << 20) / BS, s.toString());
        assertArrayEquals(data, read(a, "r1", 0, data.length));
    }

    @Test
    @Order(2)
    void returningReplicaCatchesUpByDelta() throws Exception {
        cluster.heal();
        Node via = cluster.node(1);
        create(via, "r2", "256M");
        Node primary = primaryOf(via, "r2");
        byte[] base = random(2, 8 << 20);
        assertEquals(200, write(primary, "r2", 0, base, "replicated"));
        awaitHealthy(via, "r2");

        Node replica = other(primary);
        cluster.kill(replica);
        long written = 0;
        Map<Long, byte[]> expected = new ConcurrentHashMap<>();
        Random rnd = new Random(3);
        for (int i = 0; i < 64; i++) {
            long offset = (long) rnd.nextInt(256 * 256) * BS / 4;
            offset -= offset % BS;
            byte[] d = random(100 + i, 16 * BS);
            assertEquals(200, write(primary, "r2", offset, d, "replicated"), "writes continue with one replica down");
            expected.put(offset, d);
            written += d.length;
        }
        double before = metric(primary, "galleon_replication_resync_bytes_total");
        cluster.restart(replica);
        // The volume still reads healthy until the primary notices the restart: wait for the resync itself first.
        awaitMetricAbove(primary, "galleon_replication_resync_bytes_total", before);
        awaitHealthy(via, "r2");
        double sent = metric(primary, "galleon_replication_resync_bytes_total") - before;
        System.out.printf("FIGURE delta-resync bytes_sent=%.0f bytes_written=%d ratio=%.3f%n", sent, written, sent / written);
        assertTrue(sent > 0, "a delta was sent");
        assertTrue(sent <= 1.2 * written, "delta resync sent " + sent + " bytes for " + written + " written (bar: <= 1.2x)");
        JsonNode s = scrub(primary, "r2");
        assertEquals(0, s.get("blocks_repaired").asLong(), "copies identical after the delta: " + s);
    }

    @Test
    @Order(3)
    void wipedReplicaIsRebuiltFromAllocatedBlocks() throws Exception {
        cluster.heal();
        Node via = cluster.node(1);
        JsonNode v = create(via, "r3", "1G");
        Node primary = primaryOf(via, "r3");
        byte[] data = random(4, 16 << 20);
        assertEquals(200, write(primary, "r3", 512L << 20, java.util.Arrays.copyOfRange(data, 0, 8 << 20), "replicated"));
        assertEquals(200, write(primary, "r3", (512L << 20) + (8 << 20), java.util.Arrays.copyOfRange(data, 8 << 20, 16 << 20), "replicated"));
        awaitHealthy(via, "r3");
        Node replica = other(primary);
        cluster.kill(replica);
        deleteTree(replica.process.storage.resolve("engine").resolve("volumes").resolve(v.get("id").asText()));
        double before = metric(primary, "galleon_replication_rebuild_bytes_total");
        long t0 = System.nanoTime();
        cluster.restart(replica);
        // The volume still reads healthy until the primary notices the lost copy: wait for the rebuild itself first.
        awaitMetricAbove(primary, "galleon_replication_rebuild_bytes_total", before);
        awaitHealthy(via, "r3");
        double secs = (System.nanoTime() - t0) / 1e9;
        double copied = metric(primary, "galleon_replication_rebuild_bytes_total") - before;
        System.out.printf("FIGURE full-rebuild bytes=%.0f s=%.2f (incl. restart)%n", copied, secs);
        assertTrue(copied >= data.length && copied < 2.0 * data.length, "only allocated blocks are copied: " + copied);
        JsonNode s = scrub(primary, "r3");
        assertEquals(0, s.get("blocks_repaired").asLong(), s.toString());
    }

    @Test
    @Order(4)
    void primaryKillUnderLoadLosesNoAcknowledgedWrite() throws Exception {
        cluster.heal();
        Node via = cluster.node(1);
        create(via, "r4", "64M");
        Node primary = primaryOf(via, "r4");
        Node client = other(primary);
        await("the client's node knows r4").atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> cluster.volumeNames(client).contains("r4"));
        Map<Long, byte[]> acked = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong maxPauseNanos = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        Thread writer = Thread.ofPlatform().start(() -> {
            long i = 0;
            long last = System.nanoTime();
            while (!stop.get()) {
                long offset = (i % 4096) * 4 * BS;
                byte[] d = random(1000 + i, 4 * BS);
                try {
                    if (write(client, "r4", offset, d, "replicated") == 200) {
                        acked.put(offset, d);
                        long now = System.nanoTime();
                        maxPauseNanos.accumulateAndGet(now - last, Math::max);
                        last = now;
                    } else {
                        errors.incrementAndGet();
                    }
                } catch (Exception e) {
                    lastWriteFailure = e.toString();
                    errors.incrementAndGet();
                }
                i++;
            }
        });
        Thread.sleep(1500); // a load period before the kill, not a wait for a condition
        cluster.kill(primary);
        long killedAt = System.nanoTime();
        await("writes resume after the primary kill").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> System.nanoTime() - killedAt > 2_000_000_000L && acked.size() > 50
                        && !primaryOf(client, "r4").equals(primary));
        long ackedAfterFailover = acked.size();
        Thread.sleep(1500); // a load period on the new primary
        stop.set(true);
        writer.join(60_000);
        assertTrue(acked.size() > ackedAfterFailover, "writes resumed on the new primary");
        System.out.printf("FIGURE primary-kill-under-load max_pause_s=%.2f acked=%d errors=%d%n", maxPauseNanos.get() / 1e9,
                acked.size(), errors.get());
        assertEquals(0, errors.get(), () -> "no client write failed: forwarded writes wait for the new primary; last: " + lastWriteFailure);
        assertTrue(maxPauseNanos.get() < 10_000_000_000L, "client pause " + maxPauseNanos.get() / 1e9 + " s (bar: I/O resumes <= 10 s)");
        for (var e : acked.entrySet()) {
            assertArrayEquals(e.getValue(), read(client, "r4", e.getKey(), e.getValue().length), "acknowledged write at " + e.getKey());
        }
    }

    @Test
    @Order(5)
    void frozenPrimaryIsFencedAndAcknowledgesNothingAfterThaw() throws Exception {
        cluster.heal();
        Node via = cluster.node(1);
        create(via, "r5", "64M");
        Node old = primaryOf(via, "r5");
        Node observer = other(old);
        byte[] first = random(5, 64 * BS);
        assertEquals(200, write(old, "r5", 0, first, "replicated"));
        awaitHealthy(observer, "r5");
        cluster.pause(old);
        long frozenAt = System.nanoTime();
        // A frozen primary is replaced once its heartbeats have been missing ~6 s; when it was also the Raft leader,
        // the promotion also waits for JGroups to drop it from the view and a new leader (tens of seconds seen).
        await("a new primary while the old one is frozen").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> !primaryOf(observer, "r5").equals(old));
        System.out.printf("FIGURE failover-frozen-primary s=%.1f%n", (System.nanoTime() - frozenAt) / 1e9);
        Node fresh = primaryOf(observer, "r5");
        byte[] second = random(6, 64 * BS);
        assertEquals(200, write(observer, "r5", 0, second, "replicated"));
        cluster.resume(old);
        // Whatever the thawed node acknowledges must be what the cluster holds: it forwards to the new primary or fails.
        List<byte[]> ackedViaOld = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] d = random(700 + i, 64 * BS);
            if (write(old, "r5", 0, d, "replicated") == 200) {
                ackedViaOld.add(d);
                assertArrayEquals(d, read(fresh, "r5", 0, d.length), "a write the thawed node acknowledged is on the new primary");
            }
        }
        System.out.printf("FIGURE fenced-primary acked_via_old=%d of 20 (each verified on the new primary)%n", ackedViaOld.size());
        assertEquals(fresh, primaryOf(observer, "r5"), "the thawed node did not take the volume back");
    }

    @Test
    @Order(6)
    void corruptBlocksAreRepairedOnReadAndByScrub() throws Exception {
        cluster.heal();
        Node via = cluster.node(1);
        JsonNode v = create(via, "r6", "64M");
        String id = v.get("id").asText();
        Node primary = primaryOf(via, "r6");
        byte[] data = random(7, 32 * BS);
        assertEquals(200, write(primary, "r6", 0, data, "distributed"));
        assertEquals(204, cluster.send(primary, "POST", "/api/v1/volumes/r6/flush", null).statusCode());
        awaitHealthy(via, "r6");
        Node firstReplica = other(primary);
        // The unencrypted class stores blocks as they are: wait until both copies hold them in their layer files.
        for (Node n : List.of(primary, firstReplica)) {
            await("block 5 and 9 applied on " + n).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> java.util.Arrays.equals(java.util.Arrays.copyOfRange(data, 5 * BS, 10 * BS),
                            readLayer(n, id, 5L * BS, 5 * BS)));
        }

        double repairedBefore = metric(primary, "galleon_replication_repaired_blocks_total");
        flipByte(primary, id, 5L * BS + 100);
        assertArrayEquals(data, read(primary, "r6", 0, data.length), "the read returns the replica's good copy");
        assertEquals(repairedBefore + 1, metric(primary, "galleon_replication_repaired_blocks_total"), 0.0);
        assertArrayEquals(data, read(primary, "r6", 0, data.length));

        flipByte(firstReplica, id, 9L * BS + 7);
        JsonNode s = scrub(primary, "r6");
        assertEquals(1, s.get("blocks_repaired").asLong(), s.toString());
        assertEquals(0, scrub(primary, "r6").get("blocks_repaired").asLong());
    }

    @Test
    @Order(7)
    void garbageOnTheDataPortHarmsNothing() throws Exception {
        cluster.heal();
        Node via = cluster.node(1);
        create(via, "r7", "16M");
        byte[] data = random(8, 16 * BS);
        assertEquals(200, write(via, "r7", 0, data, "replicated"));
        Random rnd = new Random(9);
        for (Node target : cluster.nodes()) {
            String host = target.bind().substring(0, target.bind().indexOf(':'));
            int port = ClusterHarness.BIND_PORT + 200;
            for (int i = 0; i < 200; i++) {
                byte[] junk = new byte[rnd.nextInt(200)];
                rnd.nextBytes(junk);
                if (i % 3 == 0 && junk.length >= 24) {
                    // A valid magic and version with a lying header.
                    ByteBuffer.wrap(junk).putInt(0x474C4E44).put((byte) 1).put((byte) rnd.nextInt(120));
                }
                if (i % 7 == 0 && junk.length >= 24) {
                    // A header announcing a huge payload: refused before any allocation.
                    ByteBuffer.wrap(junk).putInt(0x474C4E44).put((byte) 1).put((byte) 10).putShort((short) 0).putLong(1).putInt(-1);
                }
                try (Socket s = new Socket(host, port)) {
                    s.setSoTimeout(2000);
                    OutputStream out = s.getOutputStream();
                    out.write(junk);
                    out.flush();
                } catch (java.io.IOException e) {
                    // the node may close first: fine
                }
            }
        }
        for (Node n : cluster.nodes()) {
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://" + n.ipc() + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), n + " is still ready");
            assertArrayEquals(data, read(n, "r7", 0, data.length), "data unchanged, read via " + n);
        }
    }

    @Test
    @Order(8)
    void interruptedRebuildResumesFromItsLastCheckpoint() throws Exception {
        cluster.heal();
        Node via = cluster.node(1);
        JsonNode v = create(via, "r12", "1G");
        Node primary = primaryOf(via, "r12");
        int chunks = 40;
        for (int i = 0; i < chunks; i++) {
            assertEquals(200, write(primary, "r12", (long) i * (8 << 20), random(300 + i, 8 << 20), "acknowledged"));
        }
        awaitHealthy(via, "r12");
        long allocated = (long) chunks << 23;
        Node replica = other(primary);
        cluster.kill(replica);
        deleteTree(replica.process.storage.resolve("engine").resolve("volumes").resolve(v.get("id").asText()));
        cluster.restart(replica);
        // Interrupt the rebuild once it is past two checkpoints (one every 64 MiB of 320), then let it finish.
        awaitRebuildProgress(primary, "r12", 60);
        cluster.kill(replica);
        double before = metric(primary, "galleon_replication_rebuild_bytes_total");
        cluster.restart(replica);
        awaitHealthy(via, "r12");
        double resumed = metric(primary, "galleon_replication_rebuild_bytes_total") - before;
        System.out.printf("FIGURE rebuild-resume bytes_after_interrupt=%.0f of %d allocated%n", resumed, allocated);
        assertTrue(resumed > 0 && resumed < 0.8 * allocated, "the resumed rebuild copied " + resumed + " of " + allocated + " bytes");
        assertEquals(0, scrub(primary, "r12").get("blocks_repaired").asLong(), "copies identical after the resumed rebuild");
        assertEquals(204, cluster.send(via, "DELETE", "/api/v1/volumes/r12", null).statusCode());
    }

    @Test
    @Order(8)
    void aRebuildInterruptedByACrashOfThePrimaryResumesFromItsLastCheckpoint() throws Exception {
        cluster.heal();
        Node via = cluster.node(1);
        // Two copies: with the other one rebuilding, no healthy copy can take over, so the crashed primary comes back as
        // the primary and has to finish the rebuild itself.
        JsonNode v = create(via, "r13", "1G", 2);
        Node primary = primaryOf(via, "r13");
        int chunks = 64;
        for (int i = 0; i < chunks; i++) {
            assertEquals(200, write(primary, "r13", (long) i * (8 << 20), random(500 + i, 8 << 20), "acknowledged"));
        }
        awaitHealthy(via, "r13");
        long allocated = (long) chunks << 23;
        List<String> copies = copies(via, "r13");
        Node replica = cluster.nodes().stream().filter(n -> n != primary && copies.contains(n.id)).findFirst().orElseThrow();
        cluster.kill(replica);
        deleteTree(replica.process.storage.resolve("engine").resolve("volumes").resolve(v.get("id").asText()));
        cluster.restart(replica);
        // Past three checkpoints (one every 64 MiB of 512), far from the end.
        awaitRebuildProgress(primary, "r13", 45);
        // Written during the rebuild, below its cursor: the replica has them; the primary is killed before its next flush.
        byte[] late = random(599, 1 << 20);
        assertEquals(200, write(primary, "r13", 0, late, "acknowledged"));
        cluster.kill(primary);
        cluster.restart(primary);
        awaitHealthy(via, "r13");
        double resumed = metric(primary, "galleon_replication_rebuild_bytes_total");
        System.out.printf("FIGURE rebuild-resume-after-primary-crash bytes_after_crash=%.0f of %d allocated%n", resumed, allocated);
        assertTrue(resumed > 0 && resumed < 0.8 * allocated, "the resumed rebuild copied " + resumed + " of " + allocated + " bytes");
        assertTrue(primary.process.logText().contains("volume r13: rebuild of the replica on " + replica.id + " resumes after block"),
                "the rebuild resumed rather than starting over");
        assertEquals(0, scrub(primary, "r13").get("blocks_repaired").asLong(), "copies identical after the resumed rebuild");
        assertEquals(204, cluster.send(via, "DELETE", "/api/v1/volumes/r13", null).statusCode());
    }

    @Test
    @Order(9)
    void copiesOfANodeDownPastTheGracePeriodMoveElsewhere() throws Exception {
        cluster.heal();
        Node spare = cluster.startNode(4, "--peer-addresses", cluster.node(1).bind(), "--config", config.toString());
        cluster.awaitFormed(cluster.nodes(), HEAL);
        Node via = cluster.node(1);
        create(via, "r8", "64M");
        byte[] data = random(10, 64 * BS);
        assertEquals(200, write(via, "r8", 0, data, "replicated"));
        awaitHealthy(via, "r8");
        List<String> before = copies(via, "r8");
        Node gone = cluster.nodes().stream().filter(n -> before.contains(n.id) && !n.id.equals(primaryOf(via, "r8").id) && n != via)
                .findFirst().orElseThrow();
        cluster.discard(gone);
        Node observer = cluster.nodes().stream().filter(n -> n != gone).findFirst().orElseThrow();
        await("r8's copy leaves the dead node").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> !copies(observer, "r8").contains(gone.id));
        awaitHealthy(observer, "r8");
        List<String> after = copies(observer, "r8");
        assertEquals(3, after.size(), after.toString());
        assertTrue(after.contains(spare.id) || !before.contains(spare.id), "moved to the node without a copy: " + after);
        assertEquals(0, scrub(primaryOf(observer, "r8"), "r8").get("blocks_repaired").asLong());
        assertArrayEquals(data, read(observer, "r8", 0, data.length));
    }

    @Test
    @Order(10)
    void gracefulLeaveMovesCopiesFirst() throws Exception {
        Node via = cluster.nodes().getFirst();
        await("a leader").atMost(HEAL).ignoreExceptions().until(() -> cluster.leaderSeenBy(via).isPresent());
        // Three-copy volumes on three nodes have nowhere to go; a leave with them would rightly be refused.
        for (String name : cluster.volumeNames(via)) {
            assertEquals(204, cluster.send(via, "DELETE", "/api/v1/volumes/" + name + "?force=true", null).statusCode());
        }
        // The leaver holds the only copy of r9solo and one of r9's two copies (the class prefers r9solo's node),
        // so the leave moves a replica or primary copy and has to rebuild a sole copy elsewhere before it goes.
        create(via, "r9solo", "64M", 1);
        Node leaver = nodeById(copies(via, "r9solo").getFirst());
        Node observer = cluster.nodes().stream().filter(n -> n != leaver).findFirst().orElseThrow();
        HttpResponse<String> sc = cluster.send(via, "POST", "/api/v1/storage-classes", "{\"name\":\"near-solo\","
                + "\"provisioner\":\"galleonfs.io/local-ssd\",\"parameters\":{\"encryption\":\"false\",\"replication\":\"2\","
                + "\"volume_affinity\":\"r9solo\"}}");
        assertEquals(201, sc.statusCode(), sc.body());
        HttpResponse<String> r9 = cluster.send(via, "POST", "/api/v1/volumes", "{\"name\":\"r9\",\"size\":\"64M\",\"storage_class\":\"near-solo\"}");
        assertEquals(201, r9.statusCode(), r9.body());
        awaitHealthy(via, "r9");
        assertTrue(copies(via, "r9").contains(leaver.id), "r9 placed next to r9solo: " + copies(via, "r9"));
        byte[] data = random(11, 64 * BS);
        assertEquals(200, write(via, "r9", 0, data, "replicated"));
        byte[] solo = random(12, 48 * BS);
        assertEquals(200, write(via, "r9solo", 0, solo, "durable"));
        leaver.cli().run("cluster", "leave").ok();
        List<String> after = copies(observer, "r9");
        assertTrue(!after.contains(leaver.id) && after.size() == 2, "the leaver's copy moved first: " + after);
        awaitHealthy(observer, "r9");
        assertArrayEquals(data, read(observer, "r9", 0, data.length));
        List<String> soloAfter = copies(observer, "r9solo");
        assertTrue(soloAfter.size() == 1 && !soloAfter.contains(leaver.id), "the only copy moved off the leaver: " + soloAfter);
        assertEquals(soloAfter.getFirst(), primaryOf(observer, "r9solo").id);
        assertArrayEquals(solo, read(observer, "r9solo", 0, solo.length));
        cluster.discard(leaver);
    }

    @Test
    @Order(11)
    void asynchronousStrategyShipsBehindTheAcknowledgementAndConverges() throws Exception {
        Node via = cluster.nodes().getFirst();
        HttpResponse<String> c = cluster.send(via, "POST", "/api/v1/storage-classes", "{\"name\":\"async-two\","
                + "\"provisioner\":\"galleonfs.io/local-ssd\",\"parameters\":{\"encryption\":\"false\",\"replication\":\"2\","
                + "\"replication_strategy\":\"asynchronous\"}}");
        assertEquals(201, c.statusCode(), c.body());
        HttpResponse<String> r = cluster.send(via, "POST", "/api/v1/volumes", "{\"name\":\"r10\",\"size\":\"64M\",\"storage_class\":\"async-two\"}");
        assertEquals(201, r.statusCode(), r.body());
        awaitHealthy(via, "r10");
        Node primary = primaryOf(via, "r10");
        for (int i = 0; i < 64; i++) {
            assertEquals(200, write(primary, "r10", (long) i * 16 * BS, random(900 + i, 16 * BS), "acknowledged"));
        }
        await("replication lag drains").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> metric(primary, "galleon_replication_lag_operations") == 0.0);
        JsonNode s = scrub(primary, "r10");
        assertEquals(0, s.get("blocks_repaired").asLong(), "the replica converged: " + s);
        assertEquals(64 * 16, s.get("blocks_checked").asLong(), s.toString());
    }

    @Test
    @Order(12)
    void snapshotsRestoreAndClonesKeepTheCopiesEqual() throws Exception {
        Node via = cluster.nodes().getFirst();
        create(via, "r13", "64M", 2);
        awaitHealthy(via, "r13");
        Node primary = primaryOf(via, "r13");
        // Metadata is read-your-writes on the node that took the create; the primary may apply it a moment later.
        await("r13 known on its primary").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> cluster.send(primary, "GET", "/api/v1/volumes/r13", null).statusCode() == 200);
        Node replica = cluster.nodes().stream().filter(n -> copies(via, "r13").contains(n.id) && n != primary).findFirst().orElseThrow();
        byte[] a = random(20, 32 * BS);
        byte[] b = random(21, 32 * BS);
        assertEquals(200, write(primary, "r13", 0, a, "replicated"));
        assertEquals(201, cluster.send(primary, "POST", "/api/v1/volumes/r13/snapshots", "{\"name\":\"s1\"}").statusCode());
        assertEquals(200, write(primary, "r13", 0, b, "replicated"));
        // The replica node lists the snapshot from its own copy: it was taken there at the same position.
        JsonNode snaps = cluster.getJson(replica, "/api/v1/volumes/r13/snapshots");
        assertEquals("s1", snaps.get(0).get("name").asText(), snaps.toString());
        assertEquals(0, scrub(primary, "r13").get("blocks_repaired").asLong());

        HttpResponse<String> restore = cluster.send(primary, "POST", "/api/v1/volumes/r13/restore", "{\"snapshot\":\"s1\"}");
        assertEquals(200, restore.statusCode(), restore.body());
        assertArrayEquals(a, read(replica, "r13", 0, a.length));
        assertEquals(0, scrub(primary, "r13").get("blocks_repaired").asLong(), "the replica restored the same snapshot");

        HttpResponse<String> clone = cluster.send(primary, "POST", "/api/v1/volumes/r13/clone", "{\"name\":\"r13-copy\"}");
        assertTrue(clone.statusCode() == 200 || clone.statusCode() == 201, clone.body());
        awaitHealthy(via, "r13-copy");
        assertEquals(2, copies(via, "r13-copy").size());
        assertEquals(0, scrub(primaryOf(via, "r13-copy"), "r13-copy").get("blocks_repaired").asLong(), "the clone's copies agree");
        assertArrayEquals(a, read(replica, "r13-copy", 0, a.length));

        // The CLI with --wait returns once the clone's other copy is filled: healthy everywhere the moment it exits.
        CliRunner.Result waited = primary.cli().run("volume", "clone", "r13", "--name", "r13-waited", "--wait").ok();
        assertTrue(waited.stdout().contains("into volume r13-waited") && waited.stdout().contains("all 2 copies healthy"), waited.stdout());
        JsonNode w = volume(primary, "r13-waited");
        assertEquals(2, w.get("replicas").size(), w.toString());
        w.get("replicas").forEach(r -> assertEquals("healthy", r.get("state").asText(), w.toString()));
    }

    private static byte[] readLayer(Node node, String volumeId, long position, int length) throws Exception {
        Path file = node.process.storage.resolve("engine").resolve("volumes").resolve(volumeId).resolve("layer-1.data");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            ch.read(b, position);
            return b.array();
        }
    }

    private static void flipByte(Node node, String volumeId, long position) throws Exception {
        Path file = node.process.storage.resolve("engine").resolve("volumes").resolve(volumeId).resolve("layer-1.data");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            ch.write(b, position);
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        if (!java.nio.file.Files.exists(dir)) {
            throw new AssertionError("no copy to wipe at " + dir);
        }
        try (var files = java.nio.file.Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        }
    }
}
