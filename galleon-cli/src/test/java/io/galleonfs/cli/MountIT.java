package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.galleonfs.api.mount.GalleonVolumeFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * A real daemon with --mount-point, driven by the real CLI: mounts through FUSE, rw + ro of one volume, unmount by
 * volume and by path, mounts restored after a clean restart, and no stale mount left after kill -9.
 */
class MountIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private Path mountPoint;
    private final List<NodeProcess> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse on this host: FUSE mount tests skipped");
        dir = Files.createTempDirectory("galleon-mount-it");
        mountPoint = dir.resolve("mounts");
    }

    /** Kills the daemons, then removes every mount and loop device left under the test directory, even after a failure. */
    @AfterEach
    void tearDown() throws Exception {
        nodes.forEach(NodeProcess::close);
        if (dir == null) {
            return;
        }
        removeMountsAndLoopsUnder(dir);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /**
     * Lazily unmounts everything mounted under {@code root} and detaches the loop devices whose backing file lies under
     * it. The loop devices are listed first: once the hidden FUSE mount a loop device reads from is detached, the kernel
     * names its backing file by the path inside that mount only ({@code /data}), and a later look would miss it (every
     * earlier run of these tests left one loop device behind per file-system mount).
     */
    static void removeMountsAndLoopsUnder(Path root) throws IOException, InterruptedException {
        List<String> loops = sh("losetup -a").out().lines().filter(l -> l.contains(root.toString()))
                .map(l -> l.substring(0, l.indexOf(':'))).toList();
        for (String target : mountsUnder(root).reversed()) {
            new ProcessBuilder("umount", "-l", target).start().waitFor(30, TimeUnit.SECONDS);
        }
        for (String loop : loops) {
            new ProcessBuilder("losetup", "-d", loop).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> mountsUnder(Path root) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" ")[1])
                .filter(t -> t.startsWith(root.toString())).toList();
    }

    record Shell(int exit, String out) {
    }

    static Shell sh(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), script);
        return new Shell(p.exitValue(), out);
    }

    static String ok(String script) throws IOException, InterruptedException {
        Shell s = sh(script);
        assertEquals(0, s.exit(), () -> script + ": " + s.out());
        return s.out();
    }

    private NodeProcess node(Path storage) {
        NodeProcess n = new NodeProcess(storage, "127.0.0.1:" + free(), "127.0.0.1:" + free(), List.of("--mount-point", mountPoint.toString()));
        nodes.add(n);
        return n;
    }

    private static int free() {
        try {
            return NodeProcess.freePort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JsonNode mounts(CliRunner cli) throws Exception {
        return JSON.readTree(cli.run("volume", "mounts", "-o", "json").ok().stdout());
    }

    private static void awaitAllMounted(CliRunner cli, int count) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode m = mounts(cli);
            assertEquals(count, m.size(), m.toString());
            m.forEach(x -> assertEquals("mounted", x.get("state").asText(), m.toString()));
        });
    }

    private static boolean fsModeAvailable() throws Exception {
        return Files.exists(Path.of("/dev/loop-control")) && Files.isExecutable(Path.of("/usr/sbin/mkfs.ext4"))
                && "0".equals(ok("id -u").strip());
    }

    @Test
    void mountsWorkFromTheCliAndComeBackAfterRestartAndCrash() throws Exception {
        NodeProcess node = node(dir.resolve("node1")).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "web-data", "--size", "64M", "--storage-class", "fast-local-ssd").ok();

        String out = cli.run("volume", "mount", "web-data", "--options", "rw,sync,fs=none").ok().stdout();
        Path rw = mountPoint.resolve("web-data");
        assertTrue(out.contains("Mounted volume web-data at " + rw), out);
        Path ro = dir.resolve("app/readonly");
        cli.run("volume", "mount", "web-data", ro.toString(), "-o", "ro,fs=none").ok();

        ok("echo 'Hello GalleonFS!' > " + rw + "/data");
        assertEquals("Hello GalleonFS!\n", ok("head -c 17 " + ro + "/data"));
        Shell denied = sh("echo nope > " + ro + "/data");
        assertNotEquals(0, denied.exit());
        assertTrue(denied.out().contains("Read-only file system"), denied.out());
        ok("dd if=/dev/urandom of=" + dir + "/blob bs=1M count=4 status=none && dd if=" + dir + "/blob of=" + rw
                + "/data bs=1M seek=8 conv=notrunc,fsync status=none");
        String blobSum = ok("md5sum < " + dir + "/blob");
        assertEquals(blobSum, ok("dd if=" + ro + "/data bs=1M skip=8 count=4 status=none | md5sum"));

        String table = cli.run("volume", "list").ok().stdout();
        assertTrue(table.lines().anyMatch(l -> l.startsWith("web-data") && l.matches(".*\\s2\\s+\\d+\\s+default\\s+-\\s*$")), table);
        String details = cli.run("volume", "get", "web-data").ok().stdout();
        assertTrue(details.contains(rw + "  rw,sync") && details.contains(ro + "  ro"), details);

        CliRunner.Result bad = cli.run("volume", "mount", "web-data", dir.resolve("x").toString(), "-o", "rw,bogus");
        assertEquals(1, bad.exitCode());
        assertEquals(1, bad.stderr().strip().lines().count(), bad.stderr());
        assertTrue(bad.stderr().contains("unknown mount option 'bogus'"), bad.stderr());
        CliRunner.Result second = cli.run("volume", "mount", "web-data", dir.resolve("y").toString(), "-o", "fs=none");
        assertEquals(1, second.exitCode());
        assertTrue(second.stderr().contains("ReadWriteOnce"), second.stderr());
        CliRunner.Result delete = cli.run("volume", "delete", "web-data");
        assertEquals(1, delete.exitCode());
        assertTrue(delete.stderr().contains("mounted at"), delete.stderr());
        assertEquals(2, cli.run("volume", "unmount").exitCode(), "a missing argument is a usage error");

        boolean fsMode = fsModeAvailable();
        Path fs = dir.resolve("app/database");
        if (fsMode) {
            cli.run("volume", "create", "--name", "db-data", "--size", "64M", "--storage-class", "fast-local-ssd").ok();
            cli.run("volume", "mount", "db-data", fs.toString()).ok();
            ok("echo hello > " + fs + "/greeting.txt && sync");
        }
        int expected = fsMode ? 3 : 2;
        awaitAllMounted(cli, expected);

        // clean stop: everything unmounted; the records stay and the next start mounts them again
        cli.run("daemon", "stop").ok();
        assertTrue(node.process().waitFor(60, TimeUnit.SECONDS));
        assertEquals(List.of(), mountsUnder(dir), "a clean stop unmounts everything");
        node.restart();
        awaitAllMounted(cli, expected);
        assertEquals("Hello GalleonFS!\n", ok("head -c 17 " + rw + "/data"));
        assertEquals(blobSum, ok("dd if=" + rw + "/data bs=1M skip=8 count=4 status=none | md5sum"));
        if (fsMode) {
            assertEquals("hello\n", ok("cat " + fs + "/greeting.txt"));
        }

        // crash: kill -9 leaves dead mounts behind; the next start removes them and mounts again
        node.process().destroyForcibly();
        node.process().onExit().join();
        assertFalse(mountsUnder(dir).isEmpty(), "a killed daemon leaves its mounts in the kernel's table");
        assertNotEquals(0, sh("cat " + rw + "/README.txt").exit(), "the dead mount answers with an error");
        node.restart();
        awaitAllMounted(cli, expected);
        List<String> after = mountsUnder(dir);
        assertEquals(after.stream().distinct().count(), after.size(), "no stale mount stacked under the new one: " + after);
        assertEquals(fsMode ? 4 : 2, after.size(), after.toString());
        assertTrue(ok("cat " + rw + "/README.txt").contains("GalleonFS volume web-data"));
        assertEquals(blobSum, ok("dd if=" + ro + "/data bs=1M skip=8 count=4 status=none | md5sum"));
        if (fsMode) {
            assertEquals("hello\n", ok("cat " + fs + "/greeting.txt"));
            assertEquals(1, sh("losetup -a").out().lines().filter(l -> l.contains(dir.toString())).count(), "one loop device");
        }

        // the programmatic API on the live mount
        try (GalleonVolumeFile f = GalleonVolumeFile.open(rw, true)) {
            assertEquals(64 << 20, f.size());
            f.seek(1 << 20);
            f.write("application data".getBytes(StandardCharsets.UTF_8));
            f.flush();
            f.seek(1 << 20);
            byte[] back = new byte[16];
            assertEquals(16, f.read(back));
            assertArrayEquals("application data".getBytes(StandardCharsets.UTF_8), back);
            f.seek(64 << 20);
            assertEquals(-1, f.read(new byte[1]));
        }
        assertEquals("application data", new String(cli.run("volume", "export", "web-data", "-", "--offset", "1M", "--length", "16")
                .ok().stdout().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));

        // unmount by path, then by volume
        assertTrue(cli.run("volume", "unmount", ro.toString()).ok().stdout().contains("Unmounted volume web-data from " + ro));
        assertFalse(mountsUnder(dir).contains(ro.toString()));
        cli.run("volume", "unmount", "web-data").ok();
        if (fsMode) {
            cli.run("volume", "unmount", "db-data", "--path", fs.toString()).ok();
        }
        assertEquals(List.of(), mountsUnder(dir));
        assertEquals(0, mounts(cli).size());
        assertTrue(sh("losetup -a").out().lines().noneMatch(l -> l.contains(dir.toString())), "no loop device left");
        cli.run("volume", "delete", "web-data").ok();
    }
}
