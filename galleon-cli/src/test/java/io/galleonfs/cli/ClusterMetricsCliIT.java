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
 * through two nodes of a real three-node cluster (one of them forwards to the primary) shows both writes, {@code top}
 * (assembled by the answering node from every member over the data plane) lists every node and the replica's apply
 * apart, a killed node is listed as not answering, and {@code --local} shows only the answering node's.
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
        List<ClusterHarness.Node> nodes = cluster.startCluster(3);
        CliRunner one = nodes.get(0).cli();
        CliRunner two = nodes.get(1).cli();
        CliRunner three = nodes.get(2).cli();
        dir = Files.createTempDirectory("galleon-cluster-metrics");
        one.run("volume", "create", "--name", "shared", "--size", "8M", "--storage-class", "fast-local-ssd", "--replicas", "2").ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> two.run("volume", "get", "shared").exitCode() == 0
                && three.run("volume", "get", "shared").exitCode() == 0);
        JsonNode vol = JSON.readTree(one.run("volume", "get", "shared", "-o", "json").ok().stdout());
        String primary = null;
        for (JsonNode r : vol.get("replicas")) {
            if (r.get("primary").asBoolean()) {
                primary = r.get("node").asText();
            }
        }
        assertTrue(primary != null, vol.toString());
        String primaryId = primary;

        one.run("volume", "import", "shared", Files.write(dir.resolve("a.bin"), new byte[100_000]).toString()).ok();
        two.run("volume", "import", "shared", Files.write(dir.resolve("b.bin"), new byte[30_000]).toString()).ok();

        JsonNode local = JSON.readTree(one.run("volume", "metrics", "shared", "--local", "-o", "json").ok().stdout());
        assertEquals(100_000, local.get("totals").get("write_bytes").asLong(), local.toString());
        JsonNode sum = JSON.readTree(one.run("volume", "metrics", "shared", "-o", "json").ok().stdout());
        assertEquals(130_000, sum.get("totals").get("write_bytes").asLong(), sum.toString());
        assertEquals("3 nodes", sum.get("node").asText(), "every member answered (the third with an idle figure)");

        // Asked through the third node, which no client used: every member, the volume's sum, the replica's apply apart.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode top = JSON.readTree(three.run("top", "--once", "-o", "json").ok().stdout());
            assertEquals(3, top.get("nodes").size(), top.toString());
            top.get("nodes").forEach(n -> assertEquals("ok", n.get("state").asText(), top.toString()));
            assertEquals(1, top.get("volumes").size(), top.toString());
            assertEquals("shared", top.get("volumes").get(0).get("volume").asText());
            assertEquals(130_000, top.get("volumes").get(0).get("totals").get("write_bytes").asLong());
            JsonNode apply = top.get("replication_apply");
            assertEquals(1, apply.size(), top.toString());
            assertTrue(!apply.get(0).get("node").asText().equals(primaryId), "applied on the replica, not the primary: " + top);
            assertTrue(apply.get(0).get("bytes_total").asLong() >= 130_000, top.toString());
        });
        JsonNode topLocal = JSON.readTree(two.run("top", "--once", "--local", "-o", "json").ok().stdout());
        assertEquals(30_000, topLocal.get(0).get("totals").get("write_bytes").asLong());
        String table = two.run("top", "--once").ok().stdout();
        assertTrue(table.contains("\nshared ") && table.contains("2 nodes") && table.contains("REPLICA APPLY"), table);
        CliRunner.Result bogus = two.run("top", "--once", "--sort", "bogus");
        assertTrue(bogus.exitCode() != 0 && bogus.stderr().contains("--sort must be one of"), bogus.toString());

        // A member that stops answering is listed as such, not dropped; the others' figures still come.
        // (Not the node asked, nor the primary; when the victim is the second node, its 30,000 bytes leave the sum.)
        ClusterHarness.Node victim = nodes.get(2).id.equals(primary) ? nodes.get(1) : nodes.get(2);
        long expected = victim == nodes.get(1) ? 100_000 : 130_000;
        cluster.kill(victim);
        JsonNode after = JSON.readTree(one.run("top", "--once", "-o", "json").ok().stdout());
        assertEquals(3, after.get("nodes").size(), after.toString());
        for (JsonNode n : after.get("nodes")) {
            String state = n.get("state").asText();
            if (n.get("node").asText().equals(victim.id)) {
                assertTrue(state.equals("no answer") || state.equals("down"), after.toString());
            } else {
                assertEquals("ok", state, after.toString());
            }
        }
        assertEquals(expected, after.get("volumes").get(0).get("totals").get("write_bytes").asLong(), after.toString());
    }
}
