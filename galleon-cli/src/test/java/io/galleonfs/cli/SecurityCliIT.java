package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Namespaces, the audit log and TLS through the real CLI against a real daemon process. */
class SecurityCliIT {
    private Path dir;
    private NodeProcess node;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-security-cli");
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

    private static void assertOneLineError(CliRunner.Result r, String expected) {
        assertNotEquals(0, r.exitCode(), r::toString);
        List<String> lines = r.stderr().strip().lines().toList();
        assertEquals(1, lines.size(), () -> "one readable line, got: " + r.stderr());
        assertTrue(lines.getFirst().contains(expected), () -> "expected '" + expected + "' in: " + r.stderr());
        assertFalse(r.stderr().contains("Exception"), r::toString);
    }

    @Test
    void tokensLimitedToNamespacesSeeOnlyTheirTenantsVolumes() throws Exception {
        node = new NodeProcess(dir.resolve("node"), List.of()).start();
        CliRunner admin = new CliRunner(node.ipcAddress, () -> node.bearerToken().substring("Bearer ".length()));
        String secretA = admin.run("token", "create", "--name", "team-a", "--role", "operator", "--namespace", "team-a").ok().stdout().strip();
        String secretB = admin.run("token", "create", "--name", "team-b", "--role", "operator", "--namespace", "team-b").ok().stdout().strip();
        assertTrue(admin.run("token", "list").ok().stdout().lines().anyMatch(l -> l.startsWith("team-a") && l.strip().endsWith("team-a")));
        CliRunner a = new CliRunner(node.ipcAddress, () -> secretA);
        CliRunner b = new CliRunner(node.ipcAddress, () -> secretB);

        String created = a.run("volume", "create", "--name", "a1", "--size", "4M", "--storage-class", "fast-local-ssd",
                "--namespace", "team-a").ok().stdout();
        assertTrue(created.contains("team-a"), created);
        assertOneLineError(a.run("volume", "create", "--name", "a2", "--size", "4M", "--storage-class", "fast-local-ssd",
                "--namespace", "team-b"), "team-b");

        assertOneLineError(b.run("volume", "get", "a1"), "not found");
        assertOneLineError(b.run("volume", "delete", "a1"), "not found");
        assertFalse(b.run("volume", "list").ok().stdout().contains("a1"));
        assertTrue(a.run("volume", "list").ok().stdout().contains("a1"));

        String all = admin.run("volume", "list").ok().stdout();
        assertTrue(all.lines().anyMatch(l -> l.matches("^a1\\s.*\\steam-a\\s+-\\s*$")), all);
        assertTrue(admin.run("volume", "get", "a1").ok().stdout().lines().anyMatch(l -> l.contains("Namespace") && l.contains("team-a")));

        // Backups and jobs belong to their volume's namespace: another tenant neither sees nor touches them.
        Files.writeString(dir.resolve("passphrase"), "correct horse battery staple\n");
        admin.run("backup-target", "create", "repo", "--url", dir.resolve("repo").toUri().toString(), "--passphrase-file",
                dir.resolve("passphrase").toString()).ok();
        String backupJob = a.run("backup", "create", "a1", "--target", "repo", "--strategy", "full", "--wait", "-o", "json").ok().stdout();
        String backupId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(backupJob).get("backup_id").asText();
        String jobId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(backupJob).get("id").asText();
        assertTrue(a.run("backup", "list").ok().stdout().contains(backupId));
        assertFalse(b.run("backup", "list").ok().stdout().contains(backupId));
        assertOneLineError(b.run("backup", "get", backupId), "not found");
        assertOneLineError(b.run("backup", "delete", backupId), "not found");
        assertOneLineError(b.run("backup", "create", "a1", "--target", "repo", "--strategy", "full"), "not found");
        assertOneLineError(b.run("job", "get", jobId), "not found");
        assertFalse(b.run("job", "list").ok().stdout().contains(jobId));
        assertTrue(admin.run("backup", "get", backupId).ok().stdout().contains(backupId));
    }

    @Test
    void volumeNamesAreUniquePerNamespace() throws Exception {
        node = new NodeProcess(dir.resolve("node"), List.of()).start();
        CliRunner admin = new CliRunner(node.ipcAddress, () -> node.bearerToken().substring("Bearer ".length()));
        String secretA = admin.run("token", "create", "--name", "team-a", "--role", "operator", "--namespace", "team-a").ok().stdout().strip();
        String secretB = admin.run("token", "create", "--name", "team-b", "--role", "operator", "--namespace", "team-b").ok().stdout().strip();
        CliRunner a = new CliRunner(node.ipcAddress, () -> secretA);
        CliRunner b = new CliRunner(node.ipcAddress, () -> secretB);

        // The seed README's form (no --namespace: the default namespace) is untouched by tenants using the same name.
        admin.run("volume", "create", "--name", "web", "--size", "4M", "--storage-class", "fast-local-ssd").ok();
        a.run("volume", "create", "--name", "db", "--size", "4M", "--storage-class", "fast-local-ssd", "--namespace", "team-a").ok();
        b.run("volume", "create", "--name", "db", "--size", "8M", "--storage-class", "fast-local-ssd", "--namespace", "team-b").ok();
        b.run("volume", "create", "--name", "web", "--size", "4M", "--storage-class", "fast-local-ssd", "--namespace", "team-b").ok();
        assertOneLineError(a.run("volume", "create", "--name", "db", "--size", "4M", "--storage-class", "fast-local-ssd", "--namespace", "team-a"),
                "already exists in namespace 'team-a'");

        // Each tenant works with its own 'db' by name.
        assertTrue(a.run("volume", "get", "db").ok().stdout().lines().anyMatch(l -> l.contains("Namespace") && l.contains("team-a")));
        assertTrue(b.run("volume", "get", "db").ok().stdout().lines().anyMatch(l -> l.contains("Namespace") && l.contains("team-b")));
        a.run("snapshot", "create", "db", "--name", "s1").ok();
        assertFalse(b.run("snapshot", "list", "db").ok().stdout().contains("s1"));
        assertOneLineError(a.run("volume", "get", "team-b/db"), "not found");

        // Admin sees every namespace: a bare name in two is refused with the namespaces to choose from; ns/name picks one.
        assertOneLineError(admin.run("volume", "get", "db"), "exists in namespaces team-a, team-b");
        assertOneLineError(admin.run("volume", "delete", "db"), "team-a/db");
        assertTrue(admin.run("volume", "get", "team-b/db").ok().stdout().lines().anyMatch(l -> l.contains("Namespace") && l.contains("team-b")));
        assertTrue(admin.run("snapshot", "list", "team-a/db").ok().stdout().contains("s1"));
        assertTrue(admin.run("volume", "get", "default/web").ok().stdout().lines().anyMatch(l -> l.contains("Namespace") && l.contains("default")));
        String list = admin.run("volume", "list").ok().stdout();
        assertEquals(2, list.lines().filter(l -> l.startsWith("db ")).count(), list);
        admin.run("volume", "delete", "team-a/db").ok();
        assertOneLineError(a.run("volume", "get", "db"), "not found");
        assertTrue(admin.run("volume", "get", "db").ok().stdout().lines().anyMatch(l -> l.contains("Namespace") && l.contains("team-b")));
    }

    @Test
    void auditListShowsCallsAndVerifyFindsAnEditedRecord() throws Exception {
        node = new NodeProcess(dir.resolve("node"), List.of()).start();
        CliRunner admin = new CliRunner(node.ipcAddress, () -> node.bearerToken().substring("Bearer ".length()));
        String viewer = admin.run("token", "create", "--name", "looker", "--role", "viewer").ok().stdout().strip();
        assertOneLineError(new CliRunner(node.ipcAddress, () -> viewer).run("volume", "create", "--name", "v1", "--size", "4M"), "");
        admin.run("volume", "create", "--name", "v1", "--size", "4M", "--storage-class", "fast-local-ssd").ok();
        admin.run("volume", "delete", "v1").ok();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> admin.run("audit", "list").ok().stdout().lines().filter(l -> l.contains("/api/v1/volumes")).count() >= 3);
        String list = admin.run("audit", "list", "--since", "1h", "--limit", "1000").ok().stdout();
        assertTrue(list.lines().anyMatch(l -> l.contains("looker") && l.contains("POST /api/v1/volumes") && l.contains("403")), list);
        assertTrue(list.lines().anyMatch(l -> l.contains("DELETE /api/v1/volumes/{ref}") && l.contains("204")), list);
        assertTrue(admin.run("audit", "verify").ok().stdout().contains("intact"));

        Path log = node.storage.resolve("audit").resolve("audit.log");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(log));
        lines.set(1, lines.get(1).replace("\"status\":201", "\"status\":200").replace("\"status\":403", "\"status\":200"));
        Files.write(log, lines);
        CliRunner.Result broken = admin.run("audit", "verify");
        assertEquals(1, broken.exitCode(), broken::toString);
        assertOneLineError(broken, "audit log broken at line 2");
    }

    @Test
    void tlsServesHttpsWithTheClusterCaAndRefusesPlainHttp() throws Exception {
        int[] ports = NodeProcess.freePorts();
        String ipc = "127.0.0.1:" + ports[0];
        node = new NodeProcess(dir.resolve("node"), ipc, "127.0.0.1:" + ports[1], List.of("--tls")).start();
        Path tls = node.storage.resolve("tls");
        for (String key : List.of("ca.key", "node.key")) {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve(key))), key);
        }
        String token = node.bearerToken().substring("Bearer ".length());
        // the CA is given explicitly, and found by local discovery (the daemon's pointer) without any flag
        new CliRunner(ipc, () -> token).run("--ca-cert", tls.resolve("ca.crt").toString(), "volume", "create", "--name", "t1",
                "--size", "4M", "--storage-class", "fast-local-ssd").ok();
        assertTrue(new CliRunner(ipc, () -> token).run("volume", "list").ok().stdout().contains("t1"));

        // HTTPS with the CA works for any client; plain HTTP on the same port gets no HTTP answer
        java.net.http.HttpClient https = java.net.http.HttpClient.newBuilder().sslContext(NodeProcess.sslContextTrusting(tls.resolve("ca.crt"))).build();
        var ok = https.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://" + ipc + "/api/v1/volumes"))
                .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode());
        assertTrue(ok.body().contains("t1"));
        String plain = plainHttpAnswer(ipc);
        assertFalse(plain.startsWith("HTTP/"), () -> "plain HTTP was answered: " + plain);

        // clients without the cluster CA fail with one readable line
        assertOneLineError(new CliRunner("http://" + ipc, () -> token).run("volume", "list"), "--ca-cert");
        assertOneLineError(new CliRunner(ipc, () -> token).run("--ca-cert", "/etc/ssl/certs/ca-certificates.crt", "volume", "list"),
                "TLS connection");
    }

    /** What the daemon sends back to a plain HTTP request (empty when it just closes the connection). */
    private static String plainHttpAnswer(String ipc) throws IOException {
        int colon = ipc.lastIndexOf(':');
        try (java.net.Socket s = new java.net.Socket(ipc.substring(0, colon), Integer.parseInt(ipc.substring(colon + 1)))) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /q/health/ready HTTP/1.1\r\nHost: " + ipc + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] buf = s.getInputStream().readNBytes(64);
            return new String(buf, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException | java.net.SocketTimeoutException e) {
            return "";
        }
    }

    @Test
    void onceAJoinTokenExistsANodeWithoutOneIsRefusedAndMembershipIsUnchanged() throws Exception {
        int[] ports = NodeProcess.freePorts();
        String bind1 = "127.0.0.1:" + ports[1];
        node = new NodeProcess(dir.resolve("n1"), "127.0.0.1:" + ports[0], bind1, List.of()).start();
        CliRunner admin = new CliRunner(node.ipcAddress, () -> node.bearerToken().substring("Bearer ".length()));
        String joinToken = admin.run("cluster", "join-token", "create", "--ttl", "10m").ok().stdout().strip();
        assertTrue(joinToken.startsWith("gjt_"), joinToken);

        for (List<String> extra : List.of(List.<String>of(), List.of("--join-token", "gjt_" + "A".repeat(43)))) {
            List<String> args = new java.util.ArrayList<>(List.of("--peer-addresses", bind1));
            args.addAll(extra);
            NodeProcess refused = new NodeProcess(dir.resolve("n2-" + extra.size()), args);
            Process p = new ProcessBuilder(refused.command()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(refused.log.toFile())).start();
            try {
                assertTrue(p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS), "a refused node exits");
                assertNotEquals(0, p.exitValue());
                String log = Files.readString(refused.log);
                assertTrue(log.lines().anyMatch(l -> l.startsWith("galleonfs: cannot start: the cluster refused this node: ")), log);
                assertFalse(log.contains(joinToken), "the log never holds the secret");
            } finally {
                p.destroyForcibly();
            }
        }
        // the refused nodes were never added (a lingering JGroups view entry of the halted process may take a moment to go)
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).pollInterval(java.time.Duration.ofMillis(500))
                .until(() -> admin.run("cluster", "peers").ok().stdout().lines().filter(l -> l.contains("127.0.0.1:")).count() == 1);

        // with the token it joins
        NodeProcess n3 = new NodeProcess(dir.resolve("n3"), List.of("--peer-addresses", bind1, "--join-token", joinToken)).start();
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> admin.run("cluster", "peers").ok().stdout().lines().filter(l -> l.contains("127.0.0.1:")).count() == 2);
        } finally {
            n3.close();
        }
    }
}
