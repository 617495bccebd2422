package io.galleonfs.node.volume.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.ClusterIoMetrics;
import io.galleonfs.api.VolumeMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Five members: this node, a peer that answers, one that never answers, one that refuses and one that is down. Every one
 * is listed; a volume used through two nodes is summed, replication apply stays apart, and a caller's namespace filter
 * also applies to the node sums.
 */
class ClusterIoCollectorTest {
    private static final String SHARED = UUID.randomUUID().toString();
    private static final String SECRET = UUID.randomUUID().toString();
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, CompletableFuture<byte[]>> answers = new HashMap<>();
    private final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void shutDown() {
        pool.shutdownNow();
    }

    private static VolumeMetrics.Window window(double writeIops, double writeMb) {
        VolumeMetrics.Latency l = new VolumeMetrics.Latency(0.1, 0.5, 0.9);
        return new VolumeMetrics.Window(1, 0, writeIops, 0, 0, 0, writeMb, 0, l, l);
    }

    private static VolumeMetrics volume(String id, String name, String node, double writeIops, long writeBytes) {
        return new VolumeMetrics(name, id, "default", node, 1, 0, window(writeIops, writeBytes / 1e6), window(writeIops, writeBytes / 1e6),
                new VolumeMetrics.Totals(0, (long) writeIops, 0, 0, 0, writeBytes, 0, 0, 0, 0, 0));
    }

    private ClusterIoCollector collector() {
        List<ClusterIoCollector.Member> members = List.of(new ClusterIoCollector.Member("n1", "up"),
                new ClusterIoCollector.Member("n2", "up"), new ClusterIoCollector.Member("n3", "suspect"),
                new ClusterIoCollector.Member("n4", "down"), new ClusterIoCollector.Member("n5", "up"));
        NodeIoReport local = new NodeIoReport("n1", List.of(volume(SHARED, "shared", "n1", 100, 400_000)), List.of());
        return new ClusterIoCollector("n1", () -> members, () -> local, (node, timeout) -> {
            asked.add(node);
            return answers.get(node);
        }, pool, Duration.ofMillis(200), () -> 42L);
    }

    @Test
    void everyMemberIsListedAndAVolumeIsSummedOverTheNodesItEnteredThrough() throws Exception {
        NodeIoReport n2 = new NodeIoReport("n2", List.of(volume(SHARED, "shared", "n2", 50, 100_000), volume(SECRET, "secret", "n2", 7, 0)),
                List.of(new ClusterIoMetrics.ReplicaApply("shared", SHARED, "default", "n2", 150, 0.5, 300, 1_000_000)));
        answers.put("n2", CompletableFuture.completedFuture(n2.toJson()));
        answers.put("n3", new CompletableFuture<>()); // never answers
        answers.put("n5", CompletableFuture.failedFuture(new IOException("connection refused")));

        ClusterIoMetrics c = collector().collect(id -> true).get(5, TimeUnit.SECONDS);

        assertEquals(List.of("n1", "n2", "n3", "n4", "n5"), c.nodes().stream().map(ClusterIoMetrics.NodeIo::node).toList());
        assertEquals(List.of("ok", "ok", "no answer", "down", "no answer"), c.nodes().stream().map(ClusterIoMetrics.NodeIo::state).toList());
        assertEquals("no answer within 200 ms", c.nodes().get(2).error());
        assertEquals("connection refused", c.nodes().get(4).error());
        assertNull(c.nodes().get(0).error());
        assertTrue(!asked.contains("n4") && !asked.contains("n1"), "a down member and this node are not asked: " + asked);
        assertEquals("n1", c.answeredBy());
        assertEquals(42L, c.timestampMillis());

        VolumeMetrics shared = c.volumes().stream().filter(v -> v.volumeId().equals(SHARED)).findFirst().orElseThrow();
        assertEquals(150, shared.lastSecond().writeIops(), 1e-9, "client I/O through n1 and n2, each counted once");
        assertEquals(500_000, shared.totals().writeBytes());
        assertEquals("2 nodes", shared.node());
        assertEquals(List.of("shared", "secret"), c.volumes().stream().map(VolumeMetrics::volume).toList(), "busiest first");

        ClusterIoMetrics.NodeIo two = c.nodes().get(1);
        assertEquals(57, two.writeIops(), 1e-9);
        assertEquals(2, two.volumes());
        assertEquals(150, two.applyOpsPerSecond(), 1e-9, "replication apply is its own figure, not client I/O");
        assertEquals(List.of(new ClusterIoMetrics.ReplicaApply("shared", SHARED, "default", "n2", 150, 0.5, 300, 1_000_000)), c.replicationApply());
    }

    @Test
    void aCallersNamespacesLimitVolumesApplyAndNodeSums() throws Exception {
        NodeIoReport n2 = new NodeIoReport("n2", List.of(volume(SECRET, "secret", "n2", 7, 0)),
                List.of(new ClusterIoMetrics.ReplicaApply("secret", SECRET, "other", "n2", 9, 0.1, 9, 100_000)));
        answers.put("n2", CompletableFuture.completedFuture(n2.toJson()));
        answers.put("n3", CompletableFuture.completedFuture(new NodeIoReport("n3", List.of(), List.of()).toJson()));
        answers.put("n5", CompletableFuture.completedFuture("not json".getBytes()));

        ClusterIoMetrics c = collector().collect(id -> !id.equals(SECRET)).get(5, TimeUnit.SECONDS);

        assertEquals(List.of("shared"), c.volumes().stream().map(VolumeMetrics::volume).toList());
        assertTrue(c.replicationApply().isEmpty());
        ClusterIoMetrics.NodeIo two = c.nodes().get(1);
        assertEquals(0, two.writeIops(), "another namespace's I/O is not in the node's sum either");
        assertEquals(0, two.applyOpsPerSecond());
        assertEquals("ok", c.nodes().get(2).state());
        assertEquals("no answer", c.nodes().get(4).state());
        assertTrue(c.nodes().get(4).error().startsWith("unreadable I/O report"), c.nodes().get(4).error());
    }

    @Test
    void applyRatesAreTheDifferenceOverTheSampledSecond() {
        Map<UUID, long[]> totals = new HashMap<>();
        UUID v = UUID.randomUUID();
        ApplyRates rates = new ApplyRates(() -> Map.copyOf(totals));
        totals.put(v, new long[] {10, 40_960});
        rates.tick(0);
        assertTrue(rates.rates().isEmpty(), "one sample is no rate yet");
        totals.put(v, new long[] {110, 450_560});
        rates.tick(2_000_000_000L);
        assertEquals(new ApplyRates.Rate(50, 204_800, 110, 450_560), rates.rates().get(v));
        rates.tick(3_000_000_000L);
        assertEquals(new ApplyRates.Rate(0, 0, 110, 450_560), rates.rates().get(v), "no apply in the last second: rate 0, totals kept");
    }
}
