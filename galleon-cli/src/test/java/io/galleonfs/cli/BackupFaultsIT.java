package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
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
 * Faults during backups against real daemons: the S3 server goes away mid-backup (a TCP proxy in front of moto_server is
 * cut), and a node is killed with -9 mid-backup. Each time the job fails with one clear reason, no backup is visible
 * for the failed run, the repository stays consistent (a later backup, verify and prune succeed) and the stale
 * repository lock does not block anything.
 */
class BackupFaultsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private Process moto;
    private TcpProxy proxy;
    private Path tmpfs;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-backup-faults");
        Files.writeString(dir.resolve("passphrase"), "a faulty backup passphrase\n");
        Files.writeString(dir.resolve("secret"), "moto-secret-key");
    }

    @AfterEach
    void tearDown() throws IOException {
        nodes.forEach(NodeProcess::close);
        if (proxy != null) {
            proxy.close();
        }
        if (moto != null) {
            moto.destroyForcibly();
            moto.onExit().join();
        }
        if (tmpfs != null) {
            run("umount", tmpfs.toString());
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private NodeProcess node(String host) throws IOException {
        int[] ports = NodeProcess.freePorts();
        NodeProcess n = new NodeProcess(dir.resolve("node"), host + ":" + ports[0], host + ":" + ports[1], List.of());
        nodes.add(n);
        return n.start();
    }

    private static JsonNode json(CliRunner.Result r) throws IOException {
        return JSON.readTree(r.ok().stdout());
    }

    private void fill(CliRunner cli, String volume, int chunksOf64MiB) throws Exception {
        for (int i = 0; i < chunksOf64MiB; i++) {
            byte[] b = new byte[64 << 20];
            new Random(100 + i).nextBytes(b);
            Path in = dir.resolve("in.bin");
            Files.write(in, b);
            cli.run("volume", "import", volume, in.toString(), "--offset", Long.toString((long) i * (64 << 20)), "--write-concern", "durable").ok();
            Files.delete(in);
        }
    }

    private static long completedBackups(CliRunner cli) throws Exception {
        long n = 0;
        for (JsonNode b : json(cli.run("backup", "list", "-o", "json"))) {
            if (b.get("status").asText().equals("completed")) {
                n++;
            }
        }
        return n;
    }

    /** After a failed run: a retry re-uses what it stored, verify and prune succeed (the dead run's lock is stale). */
    private static void repositoryStillConsistent(CliRunner cli, String target) throws Exception {
        JsonNode retry = json(cli.run("backup", "create", "big", "--target", target, "--strategy", "full", "--wait", "-o", "json"));
        assertEquals("succeeded", retry.get("state").asText(), retry.toString());
        JsonNode b = json(cli.run("backup", "get", retry.get("backup_id").asText(), "-o", "json"));
        assertTrue(b.get("bytes_new").asLong() < b.get("bytes_read").asLong(), "the chunks the failed run stored are re-used: " + b);
        assertTrue(cli.run("backup", "verify", b.get("id").asText(), "--wait").ok().stdout().contains("all good"));
        CliRunner.Result prune = cli.run("backup", "prune", "--target", target, "--wait");
        assertEquals(0, prune.exitCode(), "the failed run's lock does not block prune: " + prune.stderr());
        assertTrue(cli.run("backup", "verify", b.get("id").asText(), "--wait").ok().stdout().contains("all good"));
    }

    @Test
    void theS3ServerGoingAwayMidBackupFailsTheJobCleanlyAndALaterBackupReusesItsPacks() throws Exception {
        String host = "127.0.0.51";
        int motoPort = NodeProcess.freePort();
        moto = new ProcessBuilder("moto_server", "-H", host, "-p", Integer.toString(motoPort)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("moto.log").toFile()).start();
        String motoUrl = "http://" + host + ":" + motoPort;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(URI.create(motoUrl + "/")).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode() == 200);
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(motoUrl + "/faults")).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        proxy = new TcpProxy(host, NodeProcess.freePort(), new InetSocketAddress(host, motoPort));

        NodeProcess n = node("127.0.0.52");
        CliRunner cli = new CliRunner(n.ipcAddress);
        cli.run("backup-target", "create", "s3", "--url", "s3://faults/repo", "--endpoint", proxy.endpoint(), "--region", "us-east-1",
                "--path-style", "--access-key-id", "AKIAMOTO", "--secret-access-key-file", dir.resolve("secret").toString(),
                "--passphrase-file", dir.resolve("passphrase").toString()).ok();
        cli.run("volume", "create", "--name", "big", "--size", "256M", "--storage-class", "fast-local-ssd").ok();
        fill(cli, "big", 4);

        long before = proxy.bytesToBackend();
        JsonNode started = json(cli.run("backup", "create", "big", "--target", "s3", "--strategy", "full", "-o", "json"));
        String jobId = started.get("id").asText();
        // At least two 32 MiB packs uploaded, then the server goes away.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> proxy.bytesToBackend() - before > (70L << 20));
        proxy.cut();

        await().atMost(Duration.ofSeconds(180)).until(() -> json(cli.run("job", "get", jobId, "-o", "json")).get("state").asText().equals("failed"));
        JsonNode failed = json(cli.run("job", "get", jobId, "-o", "json"));
        String error = failed.get("error").asText();
        assertTrue(error.contains("S3 target") && !error.contains("\n") && !error.contains("\tat "), "one clear reason: " + error);
        assertEquals("failed", json(cli.run("backup", "get", failed.get("backup_id").asText(), "-o", "json")).get("status").asText());
        assertEquals(0, completedBackups(cli), "no backup is visible for the failed run");

        proxy.heal();
        repositoryStillConsistent(cli, "s3");
        assertEquals(1, completedBackups(cli));
        assertFalse(Files.readString(n.log).contains("moto-secret-key"));
    }

    @Test
    void aKillNineMidBackupLeavesALockThatBlocksNeitherTheNextBackupNorPrune() throws Exception {
        NodeProcess n = node("127.0.0.53");
        CliRunner cli = new CliRunner(n.ipcAddress);
        cli.run("backup-target", "create", "dir", "--url", dir.resolve("repo").toUri().toString(), "--passphrase-file",
                dir.resolve("passphrase").toString()).ok();
        cli.run("volume", "create", "--name", "big", "--size", "512M", "--storage-class", "fast-local-ssd").ok();
        fill(cli, "big", 8);
        JsonNode started = json(cli.run("backup", "create", "big", "--target", "dir", "--strategy", "full", "-o", "json"));
        String jobId = started.get("id").asText();
        // Polled over HTTP, not with the CLI (a JVM start per look): a full backup of 512 MiB takes only a few seconds,
        // and the kill must land while it runs, after several 32 MiB packs are stored (the retry must re-use them).
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String token = Files.readString(n.storage.resolve("auth").resolve("admin.token")).strip();
        HttpRequest jobGet = HttpRequest.newBuilder(URI.create("http://" + n.ipcAddress + "/api/v1/jobs/" + jobId))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5)).build();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
            JsonNode j = JSON.readTree(http.send(jobGet, HttpResponse.BodyHandlers.ofString()).body());
            return j.get("state").asText().equals("running") && j.get("bytes_done").asLong() > (200L << 20);
        });
        n.process().destroyForcibly();
        n.process().onExit().join();
        try (Stream<Path> locks = Files.list(dir.resolve("repo/locks"))) {
            assertEquals(1, locks.count(), "the killed run left its lock behind");
        }
        n.restart();
        await().atMost(Duration.ofSeconds(30)).until(() -> json(cli.run("job", "get", jobId, "-o", "json")).get("state").asText().equals("failed"));
        assertEquals(0, completedBackups(cli));
        repositoryStillConsistent(cli, "dir");
        try (Stream<Path> locks = Files.list(dir.resolve("repo/locks"))) {
            assertEquals(0, locks.count(), "prune removed the dead run's lock");
        }
    }

    /**
     * A directory target on a 48 MiB tmpfs and a backup of 192 MiB of incompressible data: the job fails with one line
     * naming the lack of space, leaves no temp file, no manifest and nothing that breaks the earlier backup; once the
     * file system is grown the next backup succeeds and restores byte for byte.
     */
    @Test
    void aFullDirectoryTargetFailsTheJobWithOneReasonAndTheNextBackupSucceedsOnceSpaceIsFreed() throws Exception {
        Path mnt = Files.createDirectories(dir.resolve("tmpfs"));
        run("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mnt.toString());
        tmpfs = mnt;
        NodeProcess n = node("127.0.0.54");
        CliRunner cli = new CliRunner(n.ipcAddress);
        cli.run("backup-target", "create", "small", "--url", mnt.resolve("repo").toUri().toString(), "--passphrase-file",
                dir.resolve("passphrase").toString()).ok();
        cli.run("volume", "create", "--name", "early", "--size", "16M", "--storage-class", "fast-local-ssd").ok();
        byte[] early = new byte[8 << 20];
        new Random(7).nextBytes(early);
        Path in = dir.resolve("early.bin");
        Files.write(in, early);
        cli.run("volume", "import", "early", in.toString(), "--write-concern", "durable").ok();
        JsonNode first = json(cli.run("backup", "create", "early", "--target", "small", "--strategy", "full", "--wait", "-o", "json"));
        assertEquals("succeeded", first.get("state").asText(), first.toString());
        String earlyId = first.get("backup_id").asText();

        cli.run("volume", "create", "--name", "big", "--size", "192M", "--storage-class", "fast-local-ssd").ok();
        fill(cli, "big", 3);
        String jobId = json(cli.run("backup", "create", "big", "--target", "small", "--strategy", "full", "-o", "json")).get("id").asText();
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String state = json(cli.run("job", "get", jobId, "-o", "json")).get("state").asText();
            return state.equals("failed") || state.equals("succeeded");
        });
        JsonNode failed = json(cli.run("job", "get", jobId, "-o", "json"));
        assertEquals("failed", failed.get("state").asText(), failed.toString());
        String error = failed.get("error").asText();
        assertTrue(error.contains("no space left") && !error.contains("\n") && !error.contains("\tat ") && !error.contains("Exception"),
                "one readable reason naming the lack of space: " + error);
        assertEquals(1, completedBackups(cli), "no backup is visible for the failed run");
        try (Stream<Path> files = Files.walk(mnt)) {
            List<Path> temps = files.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
            assertTrue(temps.isEmpty(), "no temp file left on the full target: " + temps);
        }
        assertTrue(cli.run("backup", "verify", earlyId, "--wait").ok().stdout().contains("all good"));

        run("mount", "-o", "remount,size=256m", mnt.toString());
        JsonNode retry = json(cli.run("backup", "create", "big", "--target", "small", "--strategy", "full", "--wait", "-o", "json"));
        assertEquals("succeeded", retry.get("state").asText(), retry.toString());
        String bigId = retry.get("backup_id").asText();
        assertTrue(cli.run("backup", "verify", bigId, "--wait").ok().stdout().contains("all good"));
        assertTrue(cli.run("backup", "verify", earlyId, "--wait").ok().stdout().contains("all good"));
        cli.run("backup", "restore", bigId, "--to-volume", "back", "--wait").ok();
        Path out = dir.resolve("back.out");
        cli.run("volume", "export", "back", out.toString()).ok();
        assertEquals(192L << 20, Files.size(out));
        try (java.io.InputStream restored = Files.newInputStream(out)) {
            for (int i = 0; i < 3; i++) {
                byte[] expected = new byte[64 << 20];
                new Random(100 + i).nextBytes(expected);
                assertTrue(java.util.Arrays.equals(expected, restored.readNBytes(64 << 20)), "restored bytes differ in 64 MiB piece " + i);
            }
        }
        assertEquals(0, cli.run("backup", "prune", "--target", "small", "--wait").exitCode());
        assertTrue(cli.run("backup", "verify", bigId, "--wait").ok().stdout().contains("all good"));
    }
}
