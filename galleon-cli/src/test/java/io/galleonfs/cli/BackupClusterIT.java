package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.galleonfs.cli.ClusterHarness.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backups in a cluster: a backup or restore asked of a node that is not the volume's primary is handed to the primary
 * through metadata, runs there, and is visible from every node.
 */
class BackupClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private ClusterHarness cluster;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-backup-cluster");
        Files.writeString(dir.resolve("passphrase"), "a cluster backup passphrase\n");
        cluster = new ClusterHarness();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static JsonNode json(CliRunner.Result r) throws IOException {
        return JSON.readTree(r.ok().stdout());
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private byte[] export(CliRunner cli, String volume) throws Exception {
        Path out = dir.resolve(volume + ".out");
        cli.run("volume", "export", volume, out.toString()).ok();
        byte[] b = Files.readAllBytes(out);
        Files.delete(out);
        return b;
    }

    private void write(CliRunner cli, String volume, long offset, byte[] data) throws Exception {
        Path in = dir.resolve("in-" + offset + ".bin");
        Files.write(in, data);
        cli.run("volume", "import", volume, in.toString(), "--offset", Long.toString(offset), "--write-concern", "durable").ok();
        Files.delete(in);
    }

    private static String primaryOf(CliRunner cli, String volume) throws Exception {
        for (JsonNode r : json(cli.run("volume", "get", volume, "-o", "json")).get("replicas")) {
            if (r.get("primary").asBoolean()) {
                return r.get("node").asText();
            }
        }
        throw new AssertionError("volume " + volume + " has no primary");
    }

    @Test
    void aBackupAndARestoreAskedOfANonPrimaryNodeRunOnThePrimaryAndRestoreByteForByte() throws Exception {
        List<Node> nodes = cluster.startCluster(3);
        CliRunner first = nodes.getFirst().cli();
        first.run("backup-target", "create", "dir", "--url", dir.resolve("repo").toUri().toString(), "--passphrase-file",
                dir.resolve("passphrase").toString()).ok();
        first.run("volume", "create", "--name", "data", "--size", "16M", "--storage-class", "fast-local-ssd", "--replicas", "1").ok();
        String primary = primaryOf(first, "data");
        Node other = nodes.stream().filter(n -> !n.id.equals(primary)).findFirst().orElseThrow();
        Node owner = nodes.stream().filter(n -> n.id.equals(primary)).findFirst().orElseThrow();
        CliRunner via = other.cli();
        write(via, "data", 0, random(5 << 20, 1));
        byte[] v1 = export(via, "data");

        JsonNode full = json(via.run("backup", "create", "data", "--target", "dir", "--strategy", "full", "--wait", "-o", "json"));
        assertEquals("succeeded", full.get("state").asText(), full.toString());
        assertEquals(primary, full.get("node").asText(), "the job ran on the volume's primary: " + full);
        String fullJob = full.get("id").asText();
        // The job is one cluster-wide record: every node lists it.
        for (Node n : nodes) {
            JsonNode jobs = json(n.cli().run("job", "list", "-o", "json"));
            assertTrue(jobs.toString().contains(fullJob), n + " lists the job: " + jobs);
        }

        write(via, "data", 1 << 20, random(50_000, 2));
        byte[] v2 = export(via, "data");
        JsonNode incr = json(via.run("backup", "create", "data", "--target", "dir", "--wait", "-o", "json"));
        assertEquals("succeeded", incr.get("state").asText(), incr.toString());
        JsonNode incrBackup = json(via.run("backup", "get", incr.get("backup_id").asText(), "-o", "json"));
        assertEquals("incremental", incrBackup.get("strategy").asText(), incrBackup.toString());
        assertEquals(13 * 4096, incrBackup.get("bytes_read").asLong(), "only the changed blocks were read: " + incrBackup);

        // Restores asked of the non-primary: to a new volume, and in place on the original (its primary is elsewhere).
        JsonNode restored = json(via.run("backup", "restore", full.get("backup_id").asText(), "--to-volume", "r-full", "--wait", "-o", "json"));
        assertEquals("succeeded", restored.get("state").asText(), restored.toString());
        assertEquals(primaryOf(via, "r-full"), restored.get("node").asText(), "the restore ran on the new volume's primary");
        assertArrayEquals(v1, export(via, "r-full"));
        JsonNode inPlace = json(via.run("backup", "restore", incr.get("backup_id").asText(), "--in-place", "--wait", "-o", "json"));
        assertEquals("succeeded", inPlace.get("state").asText(), inPlace.toString());
        assertEquals(primary, inPlace.get("node").asText());
        assertArrayEquals(v2, export(owner.cli(), "data"));

        // Cancelled from the node that asked, at once: the primary has not taken it yet, or stops it while it runs.
        via.run("volume", "create", "--name", "big", "--size", "192M", "--storage-class", "fast-local-ssd", "--replicas", "1").ok();
        for (int i = 0; i < 3; i++) {
            write(via, "big", (long) i * (64 << 20), random(64 << 20, 10 + i));
        }
        // Created and cancelled over HTTP back to back: with the CLI's JVM start in between, a full backup of 192 MiB
        // can already have finished (the cancel is then refused, rightly, with 409).
        java.net.http.HttpResponse<String> created = cluster.send(other, "POST", "/api/v1/backups",
                "{\"volume\":\"big\",\"target\":\"dir\",\"strategy\":\"full\"}");
        assertEquals(202, created.statusCode(), created.body());
        JsonNode queued = JSON.readTree(created.body());
        String queuedId = queued.get("id").asText();
        java.net.http.HttpResponse<String> cancel = cluster.send(other, "POST", "/api/v1/jobs/" + queuedId + "/cancel", null);
        assertTrue(cancel.statusCode() / 100 == 2, cancel.statusCode() + " " + cancel.body());
        await().atMost(Duration.ofSeconds(30)).until(() -> json(via.run("job", "get", queuedId, "-o", "json")).get("state").asText().equals("cancelled"));
        JsonNode cancelledBackup = json(via.run("backup", "get", queued.get("backup_id").asText(), "-o", "json"));
        assertNotEquals("running", cancelledBackup.get("status").asText(), "a cancelled job does not leave its backup running");
    }
}
