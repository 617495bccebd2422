package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Application-consistent backups end to end: a volume mounted in file-system mode (ext4 on a loop device over FUSE),
 * a pre-hook that writes a marker into that file system without syncing it, fsfreeze around the snapshot the backup
 * is made from, a post-hook; the marker is in the backup (restored to a new volume and mounted). A failing pre-hook
 * aborts its run with the hook's exit code and stderr in the history, and takes no snapshot.
 */
class SchedulerHooksIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private NodeProcess node;
    private final List<SchedulerProcess> schedulers = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")) && Files.exists(Path.of("/dev/loop-control"))
                && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4")) && Files.isExecutable(Path.of("/usr/sbin/fsfreeze"))
                && "0".equals(MountIT.ok("id -u").strip()), "file-system mode needs root, /dev/fuse, loop devices, mkfs.ext4 and fsfreeze");
        dir = Files.createTempDirectory("galleon-hooks-it");
    }

    @AfterEach
    void tearDown() throws Exception {
        schedulers.forEach(SchedulerProcess::close);
        if (node != null) {
            node.close();
        }
        if (dir == null) {
            return;
        }
        MountIT.removeMountsAndLoopsUnder(dir);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static JsonNode history(CliRunner cli, String policy) throws Exception {
        return JSON.readTree(cli.run("policy", "history", policy, "--limit", "0", "-o", "json").ok().stdout());
    }

    private static JsonNode finished(CliRunner cli, String policy) throws Exception {
        for (JsonNode r : history(cli, policy)) {
            if (r.get("status").asText().equals("succeeded") || r.get("status").asText().equals("failed")) {
                return r;
            }
        }
        return null;
    }

    @Test
    void thePreHooksUnsyncedMarkerIsInTheBackupAndAFailingPreHookAbortsTheRun() throws Exception {
        Path mounts = dir.resolve("mounts");
        node = new NodeProcess(dir.resolve("node"), List.of("--mount-point", mounts.toString())).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "app", "--size", "64M", "--storage-class", "fast-local-ssd", "--replicas", "1",
                "--label", "tier=gold").ok();
        Path appFs = mounts.resolve("app");
        cli.run("volume", "mount", "app", appFs.toString(), "-o", "rw,fs=ext4").ok();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> MountIT.sh("mountpoint -q " + appFs).exit() == 0);
        Path passphrase = Files.writeString(dir.resolve("recovery.txt"), "correct horse battery staple");
        cli.run("backup-target", "create", "nas", "--url", dir.resolve("repo").toUri().toString(), "--passphrase-file", passphrase.toString()).ok();
        // Only an admin may store a command hook (this CLI uses the node's admin token); the scheduler runs it with an
        // operator token, as deployed.
        Path token = Files.writeString(dir.resolve("scheduler.token"),
                cli.run("token", "create", "--name", "scheduler", "--role", "operator").ok().stdout().strip());
        Path postMark = dir.resolve("post-ran");
        // The marker is written into the page cache only (no sync): only the freeze puts it on the volume in time.
        Path policy = Files.writeString(dir.resolve("consistent.yaml"), """
                name: consistent
                schedule: "0 0 1 1 *"
                target: nas
                strategy: Full
                consistency: Application
                selector:
                  labels: {tier: gold}
                pre_hook:
                  command: ["/bin/sh", "-c", "echo \\"$GALLEON_RUN_ID\\" > \\"$GALLEON_MOUNT_PATHS/marker\\""]
                  timeout_seconds: 20
                post_hook:
                  command: ["/bin/sh", "-c", "echo done > %s"]
                """.formatted(postMark));
        cli.run("policy", "create", policy.toString()).ok();
        schedulers.add(new SchedulerProcess("s1", dir, node.ipcAddress, token).start());

        String runId = JSON.readTree(cli.run("policy", "run-now", "consistent", "-o", "json").ok().stdout()).get("id").asText();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> finished(cli, "consistent") != null);
        JsonNode run = finished(cli, "consistent");
        assertEquals("succeeded", run.get("status").asText(), run.toString());
        assertTrue(Files.exists(postMark), "post-hook ran");
        String backupId = run.get("artifacts").get(0).get("id").asText();
        assertEquals("app", run.get("artifacts").get(0).get("volume").asText());
        assertEquals(runId + "\n", Files.readString(appFs.resolve("marker")));
        // The file system is writable again: the freeze ended.
        Files.writeString(appFs.resolve("after"), "thawed");

        cli.run("backup", "restore", backupId, "--to-volume", "restored", "--wait").ok();
        Path restoredFs = mounts.resolve("restored");
        cli.run("volume", "mount", "restored", restoredFs.toString(), "-o", "rw,fs=ext4").ok();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> MountIT.sh("mountpoint -q " + restoredFs).exit() == 0);
        assertEquals(runId + "\n", Files.readString(restoredFs.resolve("marker")), "the marker is in the backup");
        assertFalse(Files.exists(restoredFs.resolve("after")));

        // A pre-hook that fails: the run fails with its exit code and stderr; no snapshot is taken, the post-hook still runs.
        Path failing = Files.writeString(dir.resolve("failing.yaml"), """
                name: failing
                schedule: "0 0 1 1 *"
                kind: snapshot
                consistency: application
                selector:
                  volumes: [app]
                pre_hook:
                  command: ["/bin/sh", "-c", "echo database not ready >&2; exit 7"]
                post_hook:
                  command: ["/bin/sh", "-c", "echo undone > %s-failing"]
                """.formatted(postMark));
        cli.run("policy", "create", failing.toString()).ok();
        cli.run("policy", "run-now", "failing").ok();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> finished(cli, "failing") != null);
        JsonNode failed = finished(cli, "failing");
        assertEquals("failed", failed.get("status").asText(), failed.toString());
        assertTrue(failed.get("error").asText().contains("exit 7") && failed.get("error").asText().contains("database not ready"),
                failed.toString());
        assertTrue(Files.exists(Path.of(postMark + "-failing")), "post-hook ran after the failed pre-hook");
        assertTrue(JSON.readTree(cli.run("snapshot", "list", "app", "-o", "json").ok().stdout()).findValuesAsText("name").stream()
                .noneMatch(n -> n.startsWith("failing-")));
        String text = cli.run("policy", "history", "failing").ok().stdout();
        assertTrue(text.contains("exit 7"), text);
    }
}
