package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code volume qos set|get|clear} against a real daemon, and the limit measured with {@code galleonfs bench}: the same
 * bench on a volume limited to 500 IOPS and on one without a policy, in one run. Prints FIGURE lines; asserts only a
 * generous bound on the limited rate (never the timing of single operations).
 */
class QosCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LIMIT = 500;

    private Path dir;
    private NodeProcess node;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-qos-cli");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (node != null) {
            node.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static double benchIops(CliRunner cli, String vol, String total) throws Exception {
        JsonNode r = JSON.readTree(cli.run("bench", vol, "--io-type", "write", "--io-size", "4K", "--io-pattern", "rand",
                "--io-threads", "16", "--io-total", total, "--max-seconds", "60", "-o", "json").ok().stdout());
        assertTrue(r.get("ops").asLong() > 0, r.toString());
        return r.get("iops").asDouble();
    }

    @Test
    void limitIsSetOnlineEnforcedAndCleared() throws Exception {
        node = new NodeProcess(dir.resolve("node"), List.of()).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "limited", "--size", "64M", "--storage-class", "fast-local-ssd").ok();
        cli.run("volume", "create", "--name", "free", "--size", "64M", "--storage-class", "fast-local-ssd").ok();

        // Bad input: one readable line, exit != 0, nothing stored.
        CliRunner.Result negative = cli.run("volume", "qos", "set", "limited", "--iops-limit", "-5");
        assertNotEquals(0, negative.exitCode());
        assertTrue(negative.stderr().contains("limits.iops") && negative.stderr().strip().lines().count() == 1, negative.stderr());
        CliRunner.Result burstOnly = cli.run("volume", "qos", "set", "limited", "--burst-multiplier", "2", "--burst-seconds", "30");
        assertNotEquals(0, burstOnly.exitCode());
        assertTrue(burstOnly.stderr().contains("needs a limit"), burstOnly.stderr());
        assertEquals("none", JSON.readTree(cli.run("volume", "qos", "get", "limited", "-o", "json").ok().stdout()).get("source").asText());

        String set = cli.run("volume", "qos", "set", "limited", "--iops-limit", String.valueOf(LIMIT)).ok().stdout();
        assertTrue(set.contains("IOPS limit:") && set.contains(String.valueOf(LIMIT)) && set.contains("volume (own policy)"), set);

        double unlimited = benchIops(cli, "free", "16M");
        // 3,000 operations at 500 IOPS: about 6 s.
        double limited = benchIops(cli, "limited", "12000K");
        System.out.printf("FIGURE qos_cli limit_iops=%d measured_iops=%.0f unlimited_iops=%.0f measured/limit=%.3f unlimited/limited=%.1f%n",
                LIMIT, limited, unlimited, limited / LIMIT, unlimited / limited);
        assertTrue(limited <= 1.5 * LIMIT, "a volume limited to " + LIMIT + " IOPS did " + limited);

        // The burst flags land in the seed's shape.
        JsonNode burst = JSON.readTree(cli.run("volume", "qos", "set", "limited", "--iops-limit", "1000", "--mbps-limit", "50",
                "--burst-multiplier", "2", "--burst-seconds", "30", "--iops-reservation", "100", "-o", "json").ok().stdout());
        assertEquals(2.0, burst.get("effective").get("burstable").get("iops_multiplier").asDouble());
        assertEquals(2.0, burst.get("effective").get("burstable").get("throughput_multiplier").asDouble());
        assertEquals(100, burst.get("effective").get("guarantees").get("iops").asLong());

        String cleared = cli.run("volume", "qos", "clear", "limited").ok().stdout();
        assertTrue(cleared.contains("none (unlimited)"), cleared);
    }
}
