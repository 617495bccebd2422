package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.galleonfs.cli.ClusterHarness.Node;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real network partition (issue 19): three daemons, each in its own network namespace behind one bridge, a 3-copy
 * volume whose primary is node 1. While four clients write to node 1, node 1 is cut off from nodes 2 and 3 (its
 * packets to and from them are dropped; the test still reaches it). Then: node 1 acknowledges no write issued after
 * the cut, and fails each within a bound; the majority side promotes a new primary and acknowledges writes through
 * node 2; after the heal every acknowledged write of either side is in the volume, every unacknowledged one is either
 * absent or whole, node 1 does not take the volume back, and a scrub finds the three copies identical.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartitionIT {
    private static final int BS = 4096;
    /** Blocks written through the cut-off primary count up from 0, those through the majority from here. */
    private static final int MAJORITY_FIRST_BLOCK = 8192;
    private static final int MINORITY = 1;
    private static final int MAJORITY = 2;
    /**
     * The documented bound (ARCHITECTURE, "Failures") for a cut-off primary to fail a write in flight at the cut: the
     * replica timeout (3 s) plus one commit attempt of the stale marks (5 s), which cannot succeed without a majority;
     * twice that as slack for a loaded 2-core CI host. Measured 7.8 s.
     */
    private static final Duration FAIL_BOUND = Duration.ofSeconds(16);

    private NetworkNamespaces net;
    private ClusterHarness cluster;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** One client write: block, when it was sent and answered (nanoTime), HTTP status (-1: no answer). */
    /** The last answer other than 200, shown in the figures. */
    private volatile String lastRefusal;

    private record Attempt(int side, int block, long start, long end, int status) {
        boolean acked() {
            return status == 200;
        }
    }

    @BeforeAll
    void start() throws Exception {
        Optional<String> unavailable = NetworkNamespaces.unavailableReason();
        Assumptions.assumeTrue(unavailable.isEmpty(), () -> "partition test skipped: " + unavailable.orElseThrow());
        net = new NetworkNamespaces(3);
        cluster = new ClusterHarness(net::host, net::launchPrefix);
        cluster.startCluster(3);
    }

    @AfterAll
    void stop() {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            if (net != null) {
                net.close();
            }
        }
    }

    @Test
    void primaryCutOffFromTheOthersStopsAcknowledgingAndNothingAcknowledgedIsLost() throws Exception {
        Node a = cluster.node(1);
        Node b = cluster.node(2);
        HttpResponse<String> created = cluster.send(a, "POST", "/api/v1/volumes",
                "{\"name\":\"part\",\"size\":\"64M\",\"storage_class\":\"fast-local-ssd\",\"replicas\":3}");
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(a, primaryOf(a), "the node that took the create holds the primary");
        awaitHealthy(a);

        // Four clients write new blocks through node 1 before, during and after the cut, until the heal.
        ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        AtomicInteger nextBlock = new AtomicInteger();
        AtomicBoolean stopMinority = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            running.add(clients.submit(() -> {
                while (!stopMinority.get()) {
                    int block = nextBlock.getAndIncrement();
                    attempts.add(write(a, MINORITY, block));
                }
                return null;
            }));
        }
        try {
            await("200 writes acknowledged by node 1 before the cut").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50)).until(() -> attempts.stream().filter(Attempt::acked).count() >= 200);

            net.isolate(1, 2, 3);
            long cutAt = System.nanoTime();

            // The majority promotes a new primary (node 1 was also the Raft leader: an election comes first).
            await("a new primary on the majority side").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions().until(() -> !primaryOf(b).equals(a));
            double failoverSeconds = (System.nanoTime() - cutAt) / 1e9;
            Node promoted = primaryOf(b);

            // The majority side acknowledges writes (through node 2, forwarded if the new primary is node 3) while node 1
            // still takes its clients' writes.
            List<Attempt> majority = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                majority.add(write(b, MAJORITY, MAJORITY_FIRST_BLOCK + i));
            }
            assertTrue(majority.stream().allMatch(Attempt::acked),
                    () -> "every write through the majority is acknowledged once it has a primary: " + failed(majority));

            // Node 1's clients go on until each has sent writes after the cut (a failover faster than node 1's failing of
            // the writes in flight at the cut would otherwise stop them before they sent any).
            await("writes sent to node 1 after the cut").atMost(FAIL_BOUND.multipliedBy(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> attempts.stream().filter(t -> t.start() > cutAt).count() >= 4);
            stopMinority.set(true);
            for (Future<?> f : running) {
                f.get(2 * FAIL_BOUND.toSeconds(), TimeUnit.SECONDS);
            }
            long healAt = System.nanoTime();

            List<Attempt> minority = new ArrayList<>(attempts);
            List<Attempt> afterCut = minority.stream().filter(t -> t.start() > cutAt).toList();
            assertTrue(afterCut.size() >= 4, "node 1 kept receiving writes after the cut: " + afterCut.size());
            List<Attempt> ackedAfterCut = afterCut.stream().filter(Attempt::acked).toList();
            assertEquals(List.of(), ackedAfterCut, "a primary cut off from every other copy acknowledges nothing sent after the cut");
            long slowestFailure = afterCut.stream().mapToLong(t -> t.end() - t.start()).max().orElseThrow();
            assertTrue(slowestFailure <= FAIL_BOUND.toNanos(), "node 1 failed each write within " + FAIL_BOUND + ", slowest "
                    + slowestFailure / 1e9 + " s");
            long lastAck = minority.stream().filter(Attempt::acked).mapToLong(Attempt::end).max().orElseThrow();
            java.util.Map<Integer, Long> statuses = new java.util.TreeMap<>(afterCut.stream()
                    .collect(java.util.stream.Collectors.groupingBy(Attempt::status, java.util.stream.Collectors.counting())));
            System.out.printf("FIGURE partition failover_s=%.1f minority_attempts_after_cut=%d statuses=%s acked_after_cut=0 "
                            + "slowest_failure_s=%.1f last_minority_ack_after_cut_s=%.2f majority_acked=%d partition_s=%.1f%n",
                    failoverSeconds, afterCut.size(), statuses, slowestFailure / 1e9, Math.max(0, lastAck - cutAt) / 1e9,
                    majority.size(), (healAt - cutAt) / 1e9);
            System.out.println("last refusal by node 1: " + lastRefusal);

            net.reconnect(1);
            cluster.awaitFormed(cluster.nodes(), Duration.ofSeconds(90));
            awaitHealthy(b);
            assertEquals(promoted, primaryOf(b), "the healed node did not take the volume back");
            assertEquals(promoted, primaryOf(a), "the healed node sees the new primary");

            // Every acknowledged write of either side is there; an unacknowledged one is absent (zeros) or whole.
            byte[] whole = read(b, 0, (MAJORITY_FIRST_BLOCK + 100) * BS);
            int checked = 0;
            for (Attempt t : minority) {
                byte[] got = Arrays.copyOfRange(whole, t.block() * BS, (t.block() + 1) * BS);
                if (t.acked()) {
                    assertArrayEquals(pattern(MINORITY, t.block()), got, "acknowledged write of block " + t.block() + " through node 1");
                } else {
                    assertTrue(Arrays.equals(got, new byte[BS]) || Arrays.equals(got, pattern(MINORITY, t.block())),
                            "unacknowledged write of block " + t.block() + " is absent or whole, never torn or foreign");
                }
                checked++;
            }
            for (Attempt t : majority) {
                assertArrayEquals(pattern(MAJORITY, t.block()), Arrays.copyOfRange(whole, t.block() * BS, (t.block() + 1) * BS),
                        "acknowledged write of block " + t.block() + " through the majority");
            }
            assertArrayEquals(whole, read(a, 0, whole.length), "node 1 serves the same bytes after the heal");

            JsonNode scrub = ClusterHarness.JSON.readTree(cluster.send(promoted, "POST", "/api/v1/volumes/part/scrub", null).body());
            assertEquals(0, scrub.get("blocks_repaired").asLong(), "the three copies are identical after the heal: " + scrub);
            System.out.printf("FIGURE partition-heal checked_minority=%d acked_minority=%d scrub_blocks=%d%n", checked,
                    minority.stream().filter(Attempt::acked).count(), scrub.get("blocks_checked").asLong());
        } finally {
            stopMinority.set(true);
            clients.shutdownNow();
            clients.awaitTermination(60, TimeUnit.SECONDS);
        }
    }

    // ---------------------------------------------------------------- helpers

    private Attempt write(Node via, int side, int block) {
        long start = System.nanoTime();
        int status;
        try {
            HttpRequest req = cluster.request(via, "/api/v1/volumes/part/data?offset=" + (long) block * BS + "&write_concern=replicated")
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(pattern(side, block))).build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            status = r.statusCode();
            if (status != 200) {
                lastRefusal = status + " " + r.body();
            }
        } catch (java.io.IOException e) {
            status = -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = -1;
        }
        return new Attempt(side, block, start, System.nanoTime(), status);
    }

    private byte[] read(Node via, long offset, int length) throws Exception {
        HttpRequest req = cluster.request(via, "/api/v1/volumes/part/data?offset=" + offset + "&length=" + length)
                .timeout(Duration.ofSeconds(60)).GET().build();
        HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        return r.body();
    }

    /** The bytes a side writes into a block: seeded by both, so a block holding the other side's bytes is caught. */
    private static byte[] pattern(int side, int block) {
        byte[] b = new byte[BS];
        new Random(side * 1_000_003L + block).nextBytes(b);
        return b;
    }

    private Node primaryOf(Node observer) {
        for (JsonNode r : cluster.getJson(observer, "/api/v1/volumes/part").get("replicas")) {
            if (r.get("primary").asBoolean()) {
                String id = r.get("node").asText();
                return cluster.byId(id).orElseThrow(() -> new AssertionError("no node " + id));
            }
        }
        throw new AssertionError("no primary listed for part");
    }

    private void awaitHealthy(Node observer) {
        await("part healthy on " + observer).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> cluster.getJson(observer, "/api/v1/volumes/part").get("state").asText().equals("healthy"));
    }

    private static String failed(List<Attempt> attempts) {
        return attempts.stream().filter(t -> !t.acked()).map(t -> t.block() + ":" + t.status()).toList().toString();
    }
}
