package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real node and two real galleon-scheduler processes running a snapshot policy that fires every 2 seconds: every
 * firing runs once, retention keeps exactly the newest three, kill -9 of one scheduler keeps runs going, suspend stops
 * them, resume records the firings missed meanwhile, run-now runs once.
 */
class SchedulerIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private NodeProcess node;
    private final List<SchedulerProcess> schedulers = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-scheduler-it");
    }

    @AfterEach
    void tearDown() throws IOException {
        schedulers.forEach(SchedulerProcess::close);
        if (node != null) {
            node.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private JsonNode history(CliRunner cli) throws Exception {
        return JSON.readTree(cli.run("policy", "history", "every2s", "--limit", "0", "-o", "json").ok().stdout());
    }

    private static List<JsonNode> withStatus(JsonNode history, String status) {
        List<JsonNode> out = new ArrayList<>();
        history.forEach(r -> {
            if (r.get("status").asText().equals(status)) {
                out.add(r);
            }
        });
        return out;
    }

    private Set<String> policySnapshots(CliRunner cli) throws Exception {
        Set<String> names = new TreeSet<>();
        JSON.readTree(cli.run("snapshot", "list", "db", "-o", "json").ok().stdout()).forEach(s -> {
            if (s.get("name").asText().startsWith("every2s-")) {
                names.add(s.get("name").asText());
            }
        });
        return names;
    }

    private static void assertEachFiringRanOnce(JsonNode history) {
        Set<String> slots = new HashSet<>();
        Set<String> artifacts = new HashSet<>();
        for (JsonNode r : history) {
            if (!r.get("manual").asBoolean()) {
                assertTrue(slots.add(r.get("scheduled_for").asText()), "firing handled twice: " + r + "\n" + history.toPrettyString());
            }
            r.path("artifacts").forEach(a -> assertTrue(artifacts.add(a.get("id").asText()), "snapshot recorded twice: " + a));
            String s = r.get("status").asText();
            assertTrue(Set.of("succeeded", "missed", "running", "pending").contains(s), "unexpected run: " + r);
        }
    }

    @Test
    void twoSchedulersRunEachFiringOnceAndSurviveKillSuspendAndRunNow() throws Exception {
        node = new NodeProcess(dir.resolve("node"), List.of()).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "db", "--size", "8M").ok();
        cli.run("snapshot", "create", "db", "--name", "by-hand").ok();
        Path token = Files.writeString(dir.resolve("scheduler.token"),
                cli.run("token", "create", "--name", "scheduler", "--role", "operator").ok().stdout().strip());
        // The seed's field names, a seconds field in the schedule, and a short starting deadline.
        Path policy = Files.writeString(dir.resolve("every2s.yaml"), """
                name: every2s
                schedule: "*/2 * * * * ?"
                kind: snapshot
                retention:
                  keep_last: 3
                strategy: Full
                consistency: Crash
                concurrency: forbid
                starting_deadline: 1
                selector:
                  volumes: [db]
                """);
        assertTrue(cli.run("policy", "create", policy.toString()).ok().stdout().contains("Created policy every2s"));

        // The first address of each scheduler is a dead port: they fail over to the node.
        String cluster = "127.0.0.1:" + NodeProcess.freePort() + "," + node.ipcAddress;
        SchedulerProcess s1 = new SchedulerProcess("s1", dir, cluster, token).start();
        SchedulerProcess s2 = new SchedulerProcess("s2", dir, cluster, token).start();
        schedulers.addAll(List.of(s1, s2));

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> withStatus(history(cli), "succeeded").size() >= 6);
        assertEachFiringRanOnce(history(cli));

        s1.kill();
        int before = withStatus(history(cli), "succeeded").size();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode h = history(cli);
            return withStatus(h, "succeeded").size() >= before + 4
                    && withStatus(h, "succeeded").getFirst().get("claimed_by").asText().equals("s2");
        });
        assertEachFiringRanOnce(history(cli));

        assertTrue(cli.run("policy", "suspend", "every2s").ok().stdout().contains("Suspended"));
        // Wait until the last run that was already claimed has finished, then nothing more may run.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300))
                .until(() -> withStatus(history(cli), "running").isEmpty() && withStatus(history(cli), "pending").isEmpty());
        int suspendedAt = history(cli).size();
        // Each poll starts a CLI JVM (1-3 s on a busy machine): the bound leaves room for slow polls.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .until(() -> history(cli).size() == suspendedAt);

        // Retention: exactly the three newest snapshots the policy made remain; the snapshot taken by hand is untouched.
        JsonNode h = history(cli);
        List<String> newest = new ArrayList<>();
        for (JsonNode r : withStatus(h, "succeeded")) {
            if (newest.size() < 3) {
                newest.add(r.get("artifacts").get(0).get("id").asText());
            }
        }
        assertEquals(new TreeSet<>(newest), policySnapshots(cli));
        assertTrue(cli.run("snapshot", "list", "db").ok().stdout().contains("by-hand"));

        // run-now while suspended: one manual run, made by the surviving scheduler.
        cli.run("policy", "run-now", "every2s").ok();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
            List<JsonNode> manual = new ArrayList<>();
            history(cli).forEach(r -> {
                if (r.get("manual").asBoolean()) {
                    manual.add(r);
                }
            });
            return manual.size() == 1 && manual.getFirst().get("status").asText().equals("succeeded");
        });
        assertEquals(3, policySnapshots(cli).size(), policySnapshots(cli).toString());
        assertTrue(policySnapshots(cli).stream().anyMatch(n -> n.endsWith("m")), policySnapshots(cli).toString());

        // Resume: the firings during the suspension are older than starting_deadline (1 s): recorded as missed, not run.
        cli.run("policy", "resume", "every2s").ok();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> !withStatus(history(cli), "missed").isEmpty()
                && withStatus(history(cli), "succeeded").size() > withStatus(h, "succeeded").size() + 1);
        JsonNode missed = withStatus(history(cli), "missed").getFirst();
        assertTrue(missed.get("missed_count").asLong() >= 2, missed.toString());
        assertEachFiringRanOnce(history(cli));

        String get = cli.run("policy", "get", "every2s").ok().stdout();
        assertTrue(get.contains("Last status") && get.contains("Next run") && get.contains("Last duration"), get);
        assertNotEquals(-1, cli.run("policy", "list").ok().stdout().indexOf("every2s"));
        String metrics = s2.get("/q/metrics");
        assertTrue(metrics.contains("galleon_scheduler_start_lag_seconds") && metrics.contains("galleon_scheduler_runs_total"), metrics);

        // Bad input: one line, exit code != 0, nothing stored.
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "name: bad\nschedule: \"61 * * * *\"\nkind: snapshot\nselector: {volumes: [db]}\n");
        CliRunner.Result r = cli.run("policy", "create", bad.toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("minute 61"), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertNotEquals(0, cli.run("policy", "get", "bad").exitCode());
    }

    @Test
    void aBackupPolicyTakesIncrementalBackupsAndRetentionDeletesTheOlderOnes() throws Exception {
        node = new NodeProcess(dir.resolve("node"), List.of()).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "app", "--size", "8M").ok();
        byte[] data = new byte[1 << 20];
        new java.util.Random(3).nextBytes(data);
        Path in = Files.write(dir.resolve("app.bin"), data);
        cli.run("volume", "import", "app", in.toString(), "--write-concern", "durable").ok();
        Path passphrase = Files.writeString(dir.resolve("recovery.txt"), "correct horse battery staple");
        cli.run("backup-target", "create", "nas", "--url", dir.resolve("repo").toUri().toString(),
                "--passphrase-file", passphrase.toString()).ok();
        Path token = Files.writeString(dir.resolve("scheduler.token"),
                cli.run("token", "create", "--name", "scheduler", "--role", "operator").ok().stdout().strip());
        Path policy = Files.writeString(dir.resolve("nightly.yaml"), """
                name: nightly
                schedule: "*/3 * * * * ?"
                target: nas
                strategy: Incremental
                retention:
                  keep_last: 2
                selector:
                  volumes: [app]
                """);
        cli.run("policy", "create", policy.toString()).ok();
        schedulers.add(new SchedulerProcess("s1", dir, node.ipcAddress, token).start());

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> withStatus(backupHistory(cli), "succeeded").size() >= 4);
        cli.run("policy", "suspend", "nightly").ok();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> withStatus(backupHistory(cli), "running").isEmpty() && withStatus(backupHistory(cli), "pending").isEmpty());

        // Retention leaves exactly the backups of the two newest successful runs in the catalog.
        Set<String> newest = new TreeSet<>();
        for (JsonNode r : withStatus(backupHistory(cli), "succeeded")) {
            if (newest.size() < 2) {
                newest.add(r.get("artifacts").get(0).get("id").asText());
            }
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> completedBackups(cli).keySet().equals(newest));
        // The first run had no parent, so it was full; later runs are incremental and read only what changed (nothing).
        JsonNode any = JSON.readTree(cli.run("backup", "get", newest.iterator().next(), "-o", "json").ok().stdout());
        assertEquals("incremental", any.get("strategy").asText(), any.toString());
        assertEquals(0, any.get("bytes_read").asLong(), any.toString());
    }

    private JsonNode backupHistory(CliRunner cli) throws Exception {
        return JSON.readTree(cli.run("policy", "history", "nightly", "--limit", "0", "-o", "json").ok().stdout());
    }

    private static java.util.Map<String, JsonNode> completedBackups(CliRunner cli) throws Exception {
        java.util.Map<String, JsonNode> out = new java.util.TreeMap<>();
        JSON.readTree(cli.run("backup", "list", "app", "-o", "json").ok().stdout()).forEach(b -> {
            if (b.get("status").asText().equals("completed")) {
                out.put(b.get("id").asText(), b);
            }
        });
        return out;
    }
}
