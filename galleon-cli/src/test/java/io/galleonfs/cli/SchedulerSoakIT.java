package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * kill -9 soak: a snapshot policy firing every 2 seconds while two schedulers are killed with kill -9 and restarted
 * again and again, and the node itself is killed and restarted once. Afterwards every firing of the whole span is
 * accounted for exactly once by the claims in Raft: run once (one history entry, one snapshot), or recorded as missed
 * (the scheduler or node was down longer than starting_deadline); never two entries, never two snapshots.
 */
class SchedulerSoakIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code -Dgalleon.it.soak-seconds} lengthens the soak (the "a few minutes"); CI runs the default. */
    private static final int SOAK_SECONDS = Integer.getInteger("galleon.it.soak-seconds", 50);

    private Path dir;
    private NodeProcess node;
    private final List<SchedulerProcess> schedulers = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-soak-it");
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

    private JsonNode get(String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://" + node.ipcAddress + path)).header("Authorization", node.bearerToken())
                .timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> a = http.send(r, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, a.statusCode(), a.body());
        return JSON.readTree(a.body());
    }

    @Test
    void killingSchedulersAndTheNodeNeverRunsAFiringTwiceNorLosesOne() throws Exception {
        node = new NodeProcess(dir.resolve("node"), List.of()).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "db", "--size", "8M").ok();
        Path token = Files.writeString(dir.resolve("scheduler.token"),
                cli.run("token", "create", "--name", "scheduler", "--role", "operator").ok().stdout().strip());
        Path policy = Files.writeString(dir.resolve("soak.yaml"), """
                name: soak
                schedule: "*/2 * * * * ?"
                kind: snapshot
                concurrency: allow
                starting_deadline: 4
                selector:
                  volumes: [db]
                """);
        cli.run("policy", "create", policy.toString()).ok();
        Instant created = Instant.parse(get("/api/v1/policies/soak").get("created_at").asText());
        SchedulerProcess a = new SchedulerProcess("a", dir, node.ipcAddress, token).start();
        SchedulerProcess b = new SchedulerProcess("b", dir, node.ipcAddress, token).start();
        schedulers.addAll(List.of(a, b));

        Instant end = Instant.now().plusSeconds(SOAK_SECONDS);
        int round = 0;
        boolean nodeKilled = false;
        while (Instant.now().isBefore(end)) {
            int done = succeeded();
            // Progress before each kill, so every kill lands while runs are being claimed and made.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> succeeded() >= done + 2);
            SchedulerProcess victim = round % 2 == 0 ? a : b;
            victim.kill();
            if (!nodeKilled && Instant.now().isAfter(end.minusSeconds(SOAK_SECONDS / 2))) {
                // The node too: claims, runs and leases survive in its Raft log; firings while it is down are run late or missed.
                node.process().destroyForcibly();
                node.process().onExit().join();
                node.restart();
                nodeKilled = true;
            }
            victim.start();
            round++;
        }
        assertTrue(nodeKilled && round >= 4, "rounds " + round);
        cli.run("policy", "suspend", "soak").ok();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
            JsonNode open = get("/api/v1/policies/soak").get("open_runs");
            return open == null || open.isEmpty();
        });

        JsonNode history = get("/api/v1/policies/soak/history?limit=0");
        Instant watermark = Instant.parse(get("/api/v1/policies/soak").get("last_scheduled_for").asText());
        // Every firing from the policy's creation to the watermark: exactly one run entry or inside exactly one missed range.
        Map<Instant, String> accounted = new TreeMap<>();
        Set<String> snapshots = new TreeSet<>();
        int missed = 0;
        for (JsonNode r : history) {
            Instant at = Instant.parse(r.get("scheduled_for").asText());
            String status = r.get("status").asText();
            assertTrue(Set.of("succeeded", "missed", "failed").contains(status), "unexpected run: " + r);
            if (status.equals("missed")) {
                Instant until = Instant.parse(r.get("missed_until").asText());
                long count = 0;
                for (Instant t = at; !t.isAfter(until); t = nextFiring(t)) {
                    assertEquals(null, accounted.put(t, "missed"), "firing " + t + " accounted twice:\n" + history.toPrettyString());
                    count++;
                }
                assertEquals(r.get("missed_count").asLong(), count, r.toString());
                missed += (int) count;
            } else {
                assertEquals(null, accounted.put(at, status), "firing " + at + " ran twice:\n" + history.toPrettyString());
                if (status.equals("succeeded")) {
                    assertEquals(1, r.get("artifacts").size(), r.toString());
                    assertTrue(snapshots.add(r.get("artifacts").get(0).get("id").asText()), "snapshot recorded twice: " + r);
                }
            }
        }
        List<Instant> expected = new ArrayList<>();
        for (Instant t = nextFiring(created); !t.isAfter(watermark); t = nextFiring(t)) {
            expected.add(t);
        }
        assertEquals(expected, List.copyOf(accounted.keySet()), "every firing accounted for once:\n" + history.toPrettyString());
        // The volume holds exactly one snapshot per successful run: no restarted attempt made a second one.
        Set<String> onVolume = new TreeSet<>();
        get("/api/v1/volumes/db/snapshots").forEach(s -> {
            if (s.get("name").asText().startsWith("soak-")) {
                onVolume.add(s.get("name").asText());
            }
        });
        assertEquals(snapshots, onVolume);
        System.out.printf("soak: %d s, %d kill rounds, %d firings: %d ran, %d missed%n", SOAK_SECONDS, round, expected.size(),
                expected.size() - missed, missed);
    }

    /** The policy's schedule, every even second: the first firing strictly after {@code t}. */
    private static Instant nextFiring(Instant t) {
        Instant s = t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(1);
        return s.getEpochSecond() % 2 == 0 ? s : s.plusSeconds(1);
    }

    private int succeeded() throws Exception {
        int n = 0;
        for (JsonNode r : get("/api/v1/policies/soak/history?limit=0")) {
            n += r.get("status").asText().equals("succeeded") ? 1 : 0;
        }
        return n;
    }
}
