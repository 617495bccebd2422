package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Starts the real daemon, drives the real CLI, stops and restarts the daemon, and finds the same volumes. */
class DaemonCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private final List<Long> pidsToKill = new ArrayList<>();
    private final List<NodeProcess> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-e2e");
    }

    @AfterEach
    void tearDown() throws IOException {
        nodes.forEach(NodeProcess::close);
        for (long pid : pidsToKill) {
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroyForcibly();
                p.onExit().join();
            });
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private NodeProcess node(String name, String... extra) throws IOException {
        NodeProcess n = new NodeProcess(dir.resolve(name), List.of(extra));
        nodes.add(n);
        return n;
    }

    @Test
    void volumesSurviveStopStartAndRestart() throws Exception {
        NodeProcess node = node("node1").start();
        CliRunner cli = new CliRunner(node.ipcAddress);

        cli.run("volume", "create", "--name", "web-data", "--size", "1G", "--storage-class", "fast-local-ssd").ok();
        cli.run("volume", "create", "--name", "db-data", "--size", "10G", "--storage-class", "encrypted-storage", "--replicas", "3").ok();
        Path seedYaml = dir.resolve("secure-distributed.yaml");
        Files.writeString(seedYaml, """
                name: secure-distributed
                provisioner: galleonfs.io/distributed
                parameters:
                  encryption: "true"
                  encryption_algorithm: "AES-256-GCM"
                  key_management: "external-kms"
                  replication: "5"
                  consistency_level: "strong"
                reclaim_policy: Retain
                volume_binding_mode: WaitForFirstConsumer
                allowed_topologies:
                  - zone-a
                  - zone-b
                  - zone-c
                mount_options:
                  - noatime
                  - sync
                """);
        assertTrue(cli.run("storage-class", "create", seedYaml.toString()).ok().stdout().contains("secure-distributed"));

        String table = cli.run("volume", "list").ok().stdout();
        assertTrue(table.startsWith("NAME"), table);
        assertTrue(table.contains("web-data") && table.contains("db-data"), table);

        JsonNode db = JSON.readTree(cli.run("volume", "get", "db-data", "-o", "json").ok().stdout());
        assertEquals("degraded", db.get("state").asText());
        assertEquals(3, db.get("replica_count").asInt());
        JsonNode byId = JSON.readTree(cli.run("volume", "get", db.get("id").asText(), "-o", "json").ok().stdout());
        assertEquals("db-data", byId.get("name").asText());
        assertTrue(cli.run("volume", "get", "web-data", "-o", "yaml").ok().stdout().contains("name: web-data"));

        JsonNode status = JSON.readTree(cli.run("daemon", "status", "-o", "json").ok().stdout());
        assertEquals(2, status.get("volume_count").asInt());
        String nodeId = status.get("node_id").asText();
        JsonNode config = JSON.readTree(cli.run("daemon", "config", "-o", "json").ok().stdout());
        assertEquals(node.storage.toString(), config.get("storage_path").asText());
        assertEquals(4096, config.get("block_size").asInt());
        assertEquals("file", config.get("key_provider").asText());
        assertTrue(cli.run("daemon", "config").ok().stdout().lines().anyMatch(l -> l.matches("key_provider\\s*:?\\s+file")),
                "daemon config shows the key provider kind");

        // graceful stop: the CLI returns once the daemon has exited, and the process exits 0
        cli.run("daemon", "stop").ok();
        assertTrue(node.process().waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, node.process().exitValue());

        NodeProcess again = new NodeProcess(node.storage, List.of());
        nodes.add(again);
        CliRunner cli2 = new CliRunner(again.ipcAddress);
        again.start();
        JsonNode volumes = JSON.readTree(cli2.run("volume", "list", "-o", "json").ok().stdout());
        assertEquals(2, volumes.size());
        assertEquals(nodeId, JSON.readTree(cli2.run("daemon", "status", "-o", "json").ok().stdout()).get("node_id").asText());

        // restart: a new process with the same configuration takes over
        long oldPid = again.pid();
        String restarted = cli2.run("daemon", "restart").ok().stdout();
        JsonNode after = JSON.readTree(cli2.run("daemon", "status", "-o", "json").ok().stdout());
        long newPid = after.get("pid").asLong();
        pidsToKill.add(newPid);
        assertNotEquals(oldPid, newPid, restarted);
        String successorCmdline = Files.readString(Path.of("/proc/" + newPid + "/cmdline")).replace('\0', ' ');
        assertTrue(successorCmdline.contains("-XX:+ExitOnOutOfMemoryError"), "the successor ends on OutOfMemoryError too: " + successorCmdline);
        assertEquals(2, after.get("volume_count").asInt());
        assertTrue(again.process().waitFor(30, TimeUnit.SECONDS));

        cli2.run("volume", "delete", "web-data").ok();
        assertEquals(1, JSON.readTree(cli2.run("volume", "list", "-o", "json").ok().stdout()).size());
        cli2.run("daemon", "stop").ok();
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(newPid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void dataSurvivesKillDashNineAndSnapshotsWorkThroughTheCli() throws Exception {
        NodeProcess node = node("node-data").start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "db", "--size", "64M", "--storage-class", "encrypted-storage", "--replicas", "1").ok();
        byte[] payload = new byte[(13 << 20) + 4096]; // 4 transfers of at most 4 MiB: three in flight after the first
        new java.util.Random(42).nextBytes(payload);
        Path in = dir.resolve("in.bin");
        Files.write(in, payload);
        cli.run("volume", "import", "db", in.toString(), "--write-concern", "durable").ok();
        cli.run("volume", "snapshot", "create", "db", "--name", "s1").ok();
        Path patch = dir.resolve("patch.bin");
        Files.writeString(patch, "overwritten");
        cli.run("volume", "import", "db", patch.toString(), "--offset", "4096", "--write-concern", "durable").ok();

        node.process().destroyForcibly();
        node.process().waitFor();

        NodeProcess again = new NodeProcess(node.storage, List.of());
        nodes.add(again);
        again.start();
        CliRunner cli2 = new CliRunner(again.ipcAddress);
        Path out = dir.resolve("out.bin");
        cli2.run("volume", "export", "db", out.toString(), "--length", Integer.toString(payload.length)).ok();
        byte[] expected = payload.clone();
        byte[] p = "overwritten".getBytes();
        System.arraycopy(p, 0, expected, 4096, p.length);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, Files.readAllBytes(out), "durable writes survive kill -9");

        assertTrue(cli2.run("snapshot", "list", "db").ok().stdout().contains("s1"));
        cli2.run("volume", "restore", "db", "--snapshot", "s1").ok();
        cli2.run("volume", "export", "db", out.toString(), "--length", Integer.toString(payload.length)).ok();
        org.junit.jupiter.api.Assertions.assertArrayEquals(payload, Files.readAllBytes(out), "restore brings back the snapshot");

        cli2.run("volume", "clone", "db", "--name", "db-copy", "--snapshot", "s1").ok();
        cli2.run("volume", "expand", "db", "--size", "128M").ok();
        assertTrue(cli2.run("volume", "verify", "db").ok().stdout().contains("all good"));
        JsonNode bench = JSON.readTree(cli2.run("bench", "db", "--io-type", "write", "--io-size", "4K", "--io-threads", "4",
                "--io-total", "4M", "--io-pattern", "rand", "-o", "json").ok().stdout());
        assertEquals(1024, bench.get("ops").asInt());
        assertTrue(bench.get("iops").asDouble() > 0);
        assertEquals(128 << 20, JSON.readTree(cli2.run("volume", "get", "db", "-o", "json").ok().stdout()).get("size_bytes").asInt());
        cli2.run("snapshot", "delete", "db", "s1").ok();
        assertFalse(cli2.run("volume", "snapshot", "list", "db").ok().stdout().contains("s1"));
    }

    @Test
    void errorsAreOneReadableLineWithNonZeroExit() throws Exception {
        NodeProcess node = node("node-err").start();
        CliRunner cli = new CliRunner(node.ipcAddress);

        assertOneLineError(cli.run("volume", "get", "no-such-volume"), 1, "not found");
        assertOneLineError(cli.run("volume", "create", "--name", "Bad_Name"), 1, "invalid");
        assertOneLineError(cli.run("volume", "create", "--name", "x1", "--size", "-5G"), 1, "size");
        assertOneLineError(cli.run("volume", "create", "--name", "x2", "--storage-class", "nope"), 1, "storage class 'nope' not found");
        assertOneLineError(cli.run("storage-class", "create", dir.resolve("missing.json").toString()), 1, "does not exist");
        assertOneLineError(cli.run("volume", "frobnicate"), 2, "frobnicate");

        CliRunner nowhere = new CliRunner("127.0.0.1:" + NodeProcess.freePort());
        assertOneLineError(nowhere.run("volume", "list"), 1, "cannot reach the GalleonFS daemon");
    }

    /**
     * Authentication end to end: the CLI above found the node's admin token by local discovery; here tokens are made,
     * used with --token and GALLEONFS_TOKEN, refused (401, 403) with one line, listed without secrets and revoked.
     */
    @Test
    void tokensAreCreatedUsedAndRevokedThroughTheCli() throws Exception {
        NodeProcess node = node("node-auth").start();
        Path tokenFile = node.storage.resolve("auth").resolve("admin.token");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile.getParent())));
        CliRunner admin = new CliRunner(node.ipcAddress);
        String viewer = admin.run("token", "create", "--name", "ro", "--role", "viewer").ok().stdout().strip();
        assertTrue(viewer.startsWith("gfs_"), viewer);
        String operator = admin.run("token", "create", "--name", "ci", "--role", "operator", "--ttl", "30d").ok().stdout().strip();

        String list = admin.run("token", "list").ok().stdout();
        assertTrue(list.contains("admin") && list.contains("ro") && list.contains("ci"), list);
        assertFalse(list.contains(viewer) || list.contains(operator) || list.contains(Files.readString(tokenFile).strip()), list);

        CliRunner asViewer = new CliRunner(node.ipcAddress, () -> viewer);
        asViewer.run("volume", "list").ok();
        assertOneLineError(asViewer.run("volume", "create", "--name", "nope", "--size", "1M"), 1, "needs operator");
        CliRunner asOperator = new CliRunner(node.ipcAddress, () -> operator);
        asOperator.run("volume", "create", "--name", "by-ci", "--size", "1M").ok();
        assertOneLineError(asOperator.run("token", "list"), 1, "needs admin");
        assertOneLineError(admin.run("--token", "gfs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "volume", "list"), 1, "--token");

        admin.run("token", "revoke", "ci").ok();
        CliRunner.Result revoked = asOperator.run("volume", "list");
        assertOneLineError(revoked, 1, "needs a valid API token");
        assertFalse(revoked.stderr().contains(operator), "the secret is never echoed");
        String config = admin.run("daemon", "config", "-o", "json").ok().stdout();
        assertFalse(config.contains(Files.readString(tokenFile).strip()), config);
        String log = Files.readString(node.log);
        for (String secret : List.of(viewer, operator, Files.readString(tokenFile).strip())) {
            assertFalse(log.contains(secret.substring(4)), "a secret in the daemon's log");
        }
    }

    @Test
    void daemonRefusesBadConfigurationWithOneLine() throws Exception {
        assertDaemonFails(List.of("--block-size", "1000"), "block size 1000 is invalid");
        assertDaemonFails(List.of("--persistence-level", "extreme"), "invalid persistence level");
        assertDaemonFails(List.of("--replication-strategy", "sometimes"), "invalid replication strategy");
        assertDaemonFails(List.of("--peer-addresses", "10.0.0.1"), "peer address");
        Path conf = dir.resolve("daemon.conf");
        Files.writeString(conf, "[daemon]\nblock_sise = 4096\n");
        assertDaemonFails(List.of("--config", conf.toString()), "unknown key [daemon] block_sise");

        NodeProcess busy = node("busy").start();
        List<String> sameIpc = new ArrayList<>(List.of(NodeProcess.java(), "-jar", NodeProcess.NODE_JAR.toString(), "-d",
                "--storage-path", dir.resolve("other").toString(), "--ipc-address", busy.ipcAddress,
                "--bind-address", "127.0.0.1:" + NodeProcess.freePort()));
        assertFailsWith(sameIpc, "ipc address " + busy.ipcAddress + " cannot be used");
    }

    private void assertDaemonFails(List<String> flags, String expected) throws Exception {
        NodeProcess n = node("bad-" + nodes.size(), flags.toArray(String[]::new));
        assertFailsWith(n.command(), expected);
    }

    private static void assertFailsWith(List<String> command, String expected) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertEquals(1, out.strip().lines().count(), out);
        assertTrue(out.contains(expected), out);
    }

    private static void assertOneLineError(CliRunner.Result r, int exit, String expected) {
        assertEquals(exit, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains(expected), r.stderr());
        assertFalse(r.stderr().contains("Exception"), r.stderr());
        assertFalse(r.stderr().contains("\tat "), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }
}
