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
        assertTrue(all.lines().anyMatch(l -> l.startsWith("a1") && l.strip().endsWith("team-a")), all);
        assertTrue(admin.run("volume", "get", "a1").ok().stdout().lines().anyMatch(l -> l.contains("Namespace") && l.contains("team-a")));
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
}
