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

    @Test
    void namedPolicyFromTheSeedsFileLimitsAVolumeAndChangesOnline() throws Exception {
        node = new NodeProcess(dir.resolve("node"), List.of()).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "db", "--size", "64M", "--storage-class", "fast-local-ssd").ok();
        // The seed's QoSPolicy example with its field names, in YAML (latency and burst included; the limit lowered so the
        // bench below runs for seconds).
        Path file = dir.resolve("database-qos.yaml");
        Files.writeString(file, """
                name: database-qos
                limits:
                  iops: 400
                  throughput_mbps: 100
                  latency_ms: 10
                guarantees:
                  iops: 200
                  throughput_mbps: 50
                burstable:
                  enabled: true
                  duration_seconds: 1
                  iops_multiplier: 1.0
                  throughput_multiplier: 2.0
                """);
        assertTrue(cli.run("qos", "create", file.toString()).ok().stdout().contains("Created QoS policy database-qos"));
        CliRunner.Result again = cli.run("qos", "create", file.toString());
        assertNotEquals(0, again.exitCode());
        assertTrue(again.stderr().contains("already exists") && again.stderr().strip().lines().count() == 1, again.stderr());
        CliRunner.Result missing = cli.run("volume", "set-qos", "db", "no-such-policy");
        assertNotEquals(0, missing.exitCode());
        assertTrue(missing.stderr().contains("not found"), missing.stderr());

        String followed = cli.run("volume", "set-qos", "db", "database-qos").ok().stdout();
        assertTrue(followed.contains("QoS policy database-qos") && followed.contains("400"), followed);
        // 2,400 operations at 400 IOPS: about 6 s.
        double first = benchIops(cli, "db", "9600K");
        System.out.printf("FIGURE qos_named limit_iops=400 measured_iops=%.0f measured/limit=%.3f%n", first, first / 400);
        assertTrue(first <= 1.5 * 400, "a volume following a 400 IOPS policy did " + first);

        // Replacing the policy changes the running volume: now 150 IOPS (900 operations: about 6 s).
        Files.writeString(file, """
                name: database-qos
                limits:
                  iops: 150
                """);
        assertTrue(cli.run("qos", "update", file.toString()).ok().stdout().contains("followed by db"));
        double second = benchIops(cli, "db", "3600K");
        System.out.printf("FIGURE qos_named_updated limit_iops=150 measured_iops=%.0f measured/limit=%.3f%n", second, second / 150);
        assertTrue(second <= 1.5 * 150, "after the update to 150 IOPS the volume did " + second);

        String list = cli.run("qos", "list").ok().stdout();
        assertTrue(list.contains("database-qos") && list.contains("150"), list);
        JsonNode got = JSON.readTree(cli.run("qos", "get", "database-qos", "-o", "json").ok().stdout());
        assertEquals("db", got.get("volumes").get(0).asText());

        CliRunner.Result inUse = cli.run("qos", "delete", "database-qos");
        assertNotEquals(0, inUse.exitCode());
        assertTrue(inUse.stderr().contains("in use by volume(s) db") && inUse.stderr().strip().lines().count() == 1, inUse.stderr());
        assertTrue(cli.run("volume", "set-qos", "db", "none").ok().stdout().contains("none (unlimited)"));
        cli.run("qos", "delete", "database-qos").ok();
        assertTrue(cli.run("qos", "list").ok().stdout().lines().noneMatch(l -> l.startsWith("database-qos")));
    }
}
