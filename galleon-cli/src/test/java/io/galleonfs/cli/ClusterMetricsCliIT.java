package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code volume metrics} and {@code top} sum a volume's figures over the nodes its I/O entered through: a volume written
 * through two nodes of a real two-node cluster (one of them forwards to the primary) shows both writes, and
 * {@code --local} only the answering node's.
 */
class ClusterMetricsCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ClusterHarness cluster;
    private Path dir;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void figuresAreSummedOverTheNodesTheVolumeIsUsedThrough() throws Exception {
        cluster = new ClusterHarness();
        List<ClusterHarness.Node> nodes = cluster.startCluster(2);
        CliRunner one = nodes.get(0).cli();
        CliRunner two = nodes.get(1).cli();
        dir = Files.createTempDirectory("galleon-cluster-metrics");
        one.run("volume", "create", "--name", "shared", "--size", "8M", "--storage-class", "fast-local-ssd").ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> two.run("volume", "get", "shared").exitCode() == 0);

        one.run("volume", "import", "shared", Files.write(dir.resolve("a.bin"), new byte[100_000]).toString()).ok();
        two.run("volume", "import", "shared", Files.write(dir.resolve("b.bin"), new byte[30_000]).toString()).ok();

        JsonNode local = JSON.readTree(one.run("volume", "metrics", "shared", "--local", "-o", "json").ok().stdout());
        assertEquals(100_000, local.get("totals").get("write_bytes").asLong(), local.toString());
        JsonNode sum = JSON.readTree(one.run("volume", "metrics", "shared", "-o", "json").ok().stdout());
        assertEquals(130_000, sum.get("totals").get("write_bytes").asLong(), sum.toString());
        assertEquals("2 nodes", sum.get("node").asText());
        JsonNode sumViaTwo = JSON.readTree(two.run("volume", "metrics", "shared", "-o", "json").ok().stdout());
        assertEquals(130_000, sumViaTwo.get("totals").get("write_bytes").asLong(), sumViaTwo.toString());

        JsonNode top = JSON.readTree(two.run("top", "--once", "-o", "json").ok().stdout());
        assertEquals(1, top.size(), top.toString());
        assertEquals("shared", top.get(0).get("volume").asText());
        assertEquals(130_000, top.get(0).get("totals").get("write_bytes").asLong());
        JsonNode topLocal = JSON.readTree(two.run("top", "--once", "--local", "-o", "json").ok().stdout());
        assertEquals(30_000, topLocal.get(0).get("totals").get("write_bytes").asLong());
        String table = two.run("top", "--once").ok().stdout();
        assertTrue(table.contains("\nshared ") && table.contains("2 nodes"), table);
    }
}
