package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backups through the CLI against real daemons: a directory target and a real S3 server (moto_server on loopback), restore
 * on a brand-new cluster with only the passphrase, a corrupted pack detected by verify and restore, and kill -9 of the node
 * in the middle of a backup.
 */
class BackupCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSPHRASE = "it is a secret recovery phrase";

    private Path dir;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private Process moto;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-backup-cli");
        Files.writeString(dir.resolve("passphrase"), PASSPHRASE + "\n");
    }

    @AfterEach
    void tearDown() throws IOException {
        nodes.forEach(NodeProcess::close);
        if (moto != null) {
            moto.destroyForcibly();
            moto.onExit().join();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private NodeProcess node(String name, String host) throws IOException {
        int[] ports = NodeProcess.freePorts();
        NodeProcess n = new NodeProcess(dir.resolve(name), host + ":" + ports[0], host + ":" + ports[1], List.of());
        nodes.add(n);
        return n.start();
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

    /** Writes data at an offset through the CLI's import. */
    private void write(CliRunner cli, String volume, long offset, byte[] data) throws Exception {
        Path in = dir.resolve("in-" + offset + ".bin");
        Files.write(in, data);
        cli.run("volume", "import", volume, in.toString(), "--offset", Long.toString(offset), "--write-concern", "durable").ok();
        Files.delete(in);
    }

    private static JsonNode json(CliRunner.Result r) throws IOException {
        return JSON.readTree(r.ok().stdout());
    }

    /** Full, change, incremental; both restored to new volumes equal the volume at their time. Returns the two backup ids. */
    private String[] fullIncrementalRestore(CliRunner cli, String target) throws Exception {
        cli.run("volume", "create", "--name", "data", "--size", "16M", "--storage-class", "fast-local-ssd").ok();
        write(cli, "data", 0, random(6 << 20, 1));
        JsonNode full = json(cli.run("backup", "create", "data", "--target", target, "--strategy", "full", "--wait", "-o", "json"));
        assertEquals("succeeded", full.get("state").asText(), full.toString());
        byte[] v1 = export(cli, "data");

        write(cli, "data", 3 << 20, random(100_000, 2));
        CliRunner.Result plain = cli.run("backup", "create", "data", "--target", target, "--wait").ok();
        assertTrue(plain.stdout().contains("(incremental)"), plain.stdout());
        assertFalse(plain.stderr().contains("\r"), "no in-place redraw when stderr is not a terminal: " + plain.stderr());
        byte[] v2 = export(cli, "data");

        JsonNode list = json(cli.run("backup", "list", "data", "-o", "json"));
        assertEquals(2, list.size(), list.toString());
        String fullId = list.get(0).get("id").asText();
        String incrId = list.get(1).get("id").asText();
        assertEquals("incremental", list.get(1).get("strategy").asText());
        assertEquals(fullId, list.get(1).get("parent_id").asText());
        // Only the changed blocks were read: 100,000 bytes at 3 MiB touch 25 blocks of 4 KiB.
        assertEquals(25 * 4096, list.get(1).get("bytes_read").asLong(), list.toString());

        cli.run("backup", "restore", fullId, "--to-volume", "r-full", "--wait").ok();
        cli.run("backup", "restore", incrId, "--to-volume", "r-incr", "--storage-class", "encrypted-storage", "--wait").ok();
        assertArrayEquals(v1, export(cli, "r-full"));
        assertArrayEquals(v2, export(cli, "r-incr"));
        String verified = cli.run("backup", "verify", incrId, "--wait").ok().stdout();
        assertTrue(verified.contains("all good"), verified);
        return new String[] {fullId, incrId};
    }

    @Test
    void directoryTargetBackupRestoreAndACorruptPackIsCaughtByVerifyAndRestore() throws Exception {
        NodeProcess n = node("node", "127.0.0.31");
        CliRunner cli = new CliRunner(n.ipcAddress);
        Path repo = dir.resolve("repo");
        cli.run("backup-target", "create", "dir", "--url", repo.toUri().toString(), "--passphrase-file", dir.resolve("passphrase").toString()).ok();
        String[] ids = fullIncrementalRestore(cli, "dir");

        // Bad input: unknown target, bad URL, wrong passphrase, too small: 4xx, one line, nothing changed.
        CliRunner.Result unknown = cli.run("backup", "create", "data", "--target", "nope");
        assertNotEquals(0, unknown.exitCode());
        assertTrue(unknown.stderr().startsWith("error: ") && unknown.stderr().contains("HTTP 404"), unknown.stderr());
        CliRunner.Result badUrl = cli.run("backup-target", "create", "bad", "--url", "gopher://x", "--passphrase-file",
                dir.resolve("passphrase").toString());
        assertTrue(badUrl.exitCode() != 0 && badUrl.stderr().contains("HTTP 400"), badUrl.stderr());
        Files.writeString(dir.resolve("wrong"), "not the right passphrase");
        CliRunner.Result wrong = cli.run("backup-target", "create", "again", "--url", repo.toUri().toString(), "--passphrase-file",
                dir.resolve("wrong").toString());
        assertTrue(wrong.exitCode() != 0 && wrong.stderr().contains("HTTP 400"), wrong.stderr());
        CliRunner.Result small = cli.run("backup", "restore", ids[0], "--to-volume", "tiny", "--size", "1M");
        assertTrue(small.exitCode() != 0 && small.stderr().contains("HTTP 409"), small.stderr());
        assertEquals(1, json(cli.run("backup-target", "list", "-o", "json")).size());
        assertTrue(cli.run("volume", "get", "tiny").exitCode() != 0);
        CliRunner.Result inUse = cli.run("backup-target", "delete", "dir");
        assertTrue(inUse.exitCode() != 0 && inUse.stderr().contains("HTTP 409"), inUse.stderr());

        // Corrupt one byte in the middle of every pack file: verify and restore name a chunk and fail.
        try (Stream<Path> files = Files.walk(repo.resolve("data"))) {
            for (Path pack : files.filter(Files::isRegularFile).toList()) {
                try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
                    long at = f.length() / 2;
                    f.seek(at);
                    int b = f.read();
                    f.seek(at);
                    f.write(b ^ 0xff);
                }
            }
        }
        CliRunner.Result verify = cli.run("backup", "verify", ids[1], "--wait");
        assertNotEquals(0, verify.exitCode());
        assertTrue(verify.stderr().contains("chunk "), verify.stderr());
        CliRunner.Result restore = cli.run("backup", "restore", ids[1], "--to-volume", "r-bad", "--wait");
        assertNotEquals(0, restore.exitCode());
        assertTrue(restore.stderr().contains("chunk "), restore.stderr());
        assertTrue(cli.run("volume", "get", "r-bad").exitCode() != 0, "a failed restore leaves no half-restored volume");

        JsonNode jobs = json(cli.run("job", "list", "-o", "json"));
        assertTrue(jobs.size() >= 6, jobs.toString());
        assertEquals("failed", jobs.get(0).get("state").asText());
    }

    @Test
    void s3TargetAndRestoreOnABrandNewClusterWithOnlyThePassphrase() throws Exception {
        String endpoint = startMoto("127.0.0.32");
        HttpClient http = HttpClient.newHttpClient();
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(endpoint + "/galleon-backups")).PUT(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        Files.writeString(dir.resolve("secret"), "moto-secret-key");

        NodeProcess first = node("first", "127.0.0.33");
        CliRunner cli = new CliRunner(first.ipcAddress);
        cli.run("backup-target", "create", "s3", "--url", "s3://galleon-backups/cluster-a", "--endpoint", endpoint, "--region", "us-east-1",
                "--path-style", "--access-key-id", "AKIAMOTO", "--secret-access-key-file", dir.resolve("secret").toString(),
                "--passphrase-file", dir.resolve("passphrase").toString()).ok();
        String shown = cli.run("backup-target", "get", "s3", "-o", "json").ok().stdout();
        assertFalse(shown.contains("moto-secret-key"), shown);
        assertTrue(JSON.readTree(shown).get("has_secret_access_key").asBoolean(), shown);
        fullIncrementalRestore(cli, "s3");
        byte[] latest = export(cli, "r-incr");
        String log = Files.readString(first.log);
        assertFalse(log.contains("moto-secret-key") || log.contains(PASSPHRASE), "secrets never reach the log");
        first.close();

        // Every node of the first cluster is gone: a new cluster adopts the repository with the passphrase alone.
        NodeProcess fresh = node("fresh", "127.0.0.34");
        CliRunner cli2 = new CliRunner(fresh.ipcAddress);
        cli2.run("backup-target", "create", "dr", "--url", "s3://galleon-backups/cluster-a", "--endpoint", endpoint, "--region", "us-east-1",
                "--path-style", "--access-key-id", "AKIAMOTO", "--secret-access-key-file", dir.resolve("secret").toString(),
                "--passphrase-file", dir.resolve("passphrase").toString()).ok();
        JsonNode imported = json(cli2.run("backup", "list", "-o", "json"));
        assertEquals(2, imported.size(), imported.toString());
        String newest = imported.get(1).get("id").asText();
        cli2.run("backup", "restore", newest, "--to-volume", "back", "--wait").ok();
        assertArrayEquals(latest, export(cli2, "back"));
    }

    @Test
    void killNineMidBackupFailsTheJobAndARetryReusesTheChunks() throws Exception {
        NodeProcess n = node("node", "127.0.0.35");
        CliRunner cli = new CliRunner(n.ipcAddress);
        cli.run("backup-target", "create", "dir", "--url", dir.resolve("repo").toUri().toString(), "--passphrase-file",
                dir.resolve("passphrase").toString()).ok();
        cli.run("volume", "create", "--name", "big", "--size", "768M", "--storage-class", "fast-local-ssd").ok();
        for (int i = 0; i < 6; i++) {
            write(cli, "big", (long) i * (128 << 20), random(128 << 20, 10 + i));
        }
        JsonNode started = json(cli.run("backup", "create", "big", "--target", "dir", "--strategy", "full", "-o", "json"));
        String jobId = started.get("id").asText();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode j = json(cli.run("job", "get", jobId, "-o", "json"));
            return j.get("state").asText().equals("running") && j.get("bytes_done").asLong() > (64L << 20);
        });
        n.process().destroyForcibly();
        n.process().onExit().join();
        n.restart();

        await().atMost(Duration.ofSeconds(30)).until(() -> json(cli.run("job", "get", jobId, "-o", "json")).get("state").asText().equals("failed"));
        JsonNode failed = json(cli.run("job", "get", jobId, "-o", "json"));
        assertTrue(failed.get("error").asText().contains("restarted while the job ran"), failed.toString());
        JsonNode failedBackup = json(cli.run("backup", "get", failed.get("backup_id").asText(), "-o", "json"));
        assertEquals("failed", failedBackup.get("status").asText());

        JsonNode retry = json(cli.run("backup", "create", "big", "--target", "dir", "--strategy", "full", "--wait", "-o", "json"));
        assertEquals("succeeded", retry.get("state").asText(), retry.toString());
        JsonNode b = json(cli.run("backup", "get", retry.get("backup_id").asText(), "-o", "json"));
        assertTrue(b.get("bytes_new").asLong() < b.get("bytes_read").asLong(),
                "chunks stored by the killed run are re-used: " + b);
        JsonNode snapshots = json(cli.run("volume", "snapshot", "list", "big", "-o", "json"));
        assertEquals(1, snapshots.size(), "the killed run's snapshot was cleaned up: " + snapshots);
    }

    private String startMoto(String host) throws Exception {
        int port = NodeProcess.freePort();
        moto = new ProcessBuilder("moto_server", "-H", host, "-p", Integer.toString(port)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("moto.log").toFile()).start();
        String endpoint = "http://" + host + ":" + port;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(URI.create(endpoint + "/")).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode() == 200);
        return endpoint;
    }
}
