package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real daemon on a real, small ext4 file system (a loop device) filled with durable writes: writes get 507 with a
 * readable problem body, reads go on, deleting a volume frees space at once, and the node restarts on the full disk
 * with every acknowledged write intact. Needs root and losetup; skipped otherwise.
 */
class DiskFullIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 8 << 20;
    private static final String RESERVE = "24M";

    private static Path dir;
    private static Path mnt;
    private static String loopDevice;
    private static NodeProcess node;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** Acknowledged writes: volume -> offset -> seed of the 8 MiB pattern written there. */
    private final Map<String, Map<Long, Long>> acknowledged = new LinkedHashMap<>();
    private final Map<String, Long> nextOffset = new LinkedHashMap<>();

    @BeforeAll
    static void fileSystem() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "not root: the disk-full test needs a loop device");
        Assumptions.assumeTrue(sh("command -v losetup && command -v mkfs.ext4 && test -e /dev/loop-control").exit() == 0,
                "losetup, mkfs.ext4 or /dev/loop-control missing: disk-full test skipped");
        dir = Files.createTempDirectory("galleon-diskfull");
        Path img = dir.resolve("fs.img");
        mnt = dir.resolve("mnt");
        Files.createDirectories(mnt);
        // -m 0: no blocks reserved for root (the daemon runs as root here), so "free" is what the daemon can use.
        check(sh("truncate -s 200M " + img + " && mkfs.ext4 -q -m 0 " + img));
        Sh loop = sh("losetup -f --show " + img);
        check(loop);
        loopDevice = loop.out().strip();
        check(sh("mount " + loopDevice + " " + mnt));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (node != null) {
            node.close();
            if (Files.exists(node.log)) {
                Path keep = Path.of("target/disk-full-it-daemon.log");
                Files.createDirectories(keep.toAbsolutePath().getParent());
                Files.copy(node.log, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (mnt != null && sh("mountpoint -q " + mnt).exit() == 0) {
            if (sh("umount " + mnt).exit() != 0) {
                sh("umount -l " + mnt);
            }
        }
        if (loopDevice != null) {
            sh("losetup -d " + loopDevice);
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void fullDiskRefusesWritesRecoversOnDeleteAndRestarts() throws Exception {
        node = new NodeProcess(mnt.resolve("node"), List.of("--reserved-space", RESERVE));
        node.start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        for (String v : List.of("vol-a", "vol-b", "vol-c")) {
            cli.run("volume", "create", "--name", v, "--size", "512M", "--storage-class", "fast-local-ssd", "--replicas", "1").ok();
            acknowledged.put(v, new LinkedHashMap<>());
            nextOffset.put(v, 0L);
        }

        JsonNode status = JSON.readTree(cli.run("daemon", "status", "-o", "json").ok().stdout());
        assertEquals(24L << 20, status.get("storage_reserved_bytes").asLong());
        assertTrue(status.get("overcommit_ratio").asDouble() > 7, status.toString()); // 1.5 GiB on < 200 MB
        assertFalse(status.get("writes_refused").asBoolean());
        await().atMost(Duration.ofSeconds(10)).until(() -> JSON.readTree(cli.run("cluster", "peers", "-o", "json").ok().stdout())
                .get(0).get("reserved_bytes").asLong() == 24L << 20);

        // 1. Fill with durable 8 MiB writes until the node refuses one with 507.
        HttpResponse<String> refused = fillUntilRefused(List.of("vol-a", "vol-b"));
        assertEquals(507, refused.statusCode(), refused.body());
        assertTrue(refused.headers().firstValue("content-type").orElse("").startsWith("application/problem+json"),
                refused.headers().toString());
        JsonNode problem = JSON.readTree(refused.body());
        assertEquals(507, problem.get("status").asInt());
        assertEquals("Insufficient Storage", problem.get("title").asText());
        String detail = problem.get("detail").asText();
        assertFalse(detail.contains("java.") || detail.contains("Exception"), detail);
        assertTrue(detail.contains("no space"), detail);
        int filled = acknowledged.get("vol-a").size() + acknowledged.get("vol-b").size();
        assertTrue(filled >= 8, "only " + filled + " writes of 8 MiB fit");

        // Other volumes are refused too; reads go on; status says so.
        assertEquals(507, put("vol-c", 0, 99).statusCode());
        verifyAll();
        JsonNode full = JSON.readTree(cli.run("daemon", "status", "-o", "json").ok().stdout());
        assertTrue(full.get("storage_free_bytes").asLong() < (24L << 20) + 2L * CHUNK, full.toString());

        // 2. Deleting a volume frees its space at once: writes succeed again without a restart.
        Path bFiles = mnt.resolve("node/engine/volumes").resolve(volumeId(cli, "vol-b"));
        assertTrue(Files.isDirectory(bFiles), bFiles.toString());
        long deleteStarted = System.nanoTime();
        cli.run("volume", "delete", "vol-b", "--force").ok();
        long deleteAnswered = System.nanoTime();
        acknowledged.remove("vol-b");
        long[] firstWrite = new long[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            long offset = nextOffset.get("vol-a");
            long seed = seedFor("vol-a", offset);
            if (put("vol-a", offset, seed).statusCode() == 200) {
                acknowledged.get("vol-a").put(offset, seed);
                nextOffset.put("vol-a", offset + CHUNK);
                firstWrite[0] = System.nanoTime();
                return true;
            }
            return false;
        });
        double recoverySeconds = (firstWrite[0] - deleteStarted) / 1e9;
        figure("delete to first successful write (CLI delete incl. its JVM start, then the write)", recoverySeconds);
        figure("delete answered to first successful write", (firstWrite[0] - deleteAnswered) / 1e9);
        assertTrue(Files.notExists(bFiles), "the deleted volume's files are gone at once");

        // 3. Fill again, then kill -9 while full and restart on the full disk.
        HttpResponse<String> again = fillUntilRefused(List.of("vol-a", "vol-c"));
        assertEquals(507, again.statusCode(), again.body());
        node.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        long restartStarted = System.nanoTime();
        node.restart();
        double restartSeconds = (System.nanoTime() - restartStarted) / 1e9;
        figure("restart (kill -9) on the full disk until ready", restartSeconds);
        String log = Files.readString(node.log);
        assertFalse(log.contains("\tat io.galleonfs.engine."), "no engine stack trace in the daemon's output");

        // 4. Every acknowledged write reads back byte for byte; the node still refuses what does not fit.
        verifyAll();
        // Replay may retire journal files and so free some space: the node takes what now fits and refuses the rest.
        assertEquals(507, fillUntilRefused(List.of("vol-a", "vol-c")).statusCode());
        verifyAll();
        int total = acknowledged.values().stream().mapToInt(Map::size).sum();
        System.out.println("FIGURE acknowledged 8 MiB durable writes verified after restart: " + total);

        // 5. Another program fills the disk to the last block while the node is down: it still starts (the reserve
        // file gives replay its room), refuses writes, and takes them again once that program's file is gone. vol-a is
        // deleted first so that the space the foreign file takes (and gives back) is well above the node's reserve.
        cli.run("volume", "delete", "vol-a", "--force").ok();
        acknowledged.remove("vol-a");
        node.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Path filler = mnt.resolve("filler");
        sh("dd if=/dev/zero of=" + filler + " bs=1M status=none; dd if=/dev/zero of=" + filler
                + " bs=4096 oflag=append conv=notrunc status=none; sync");
        String avail = sh("df --output=avail -B1 " + mnt + " | tail -1").out().strip();
        assertTrue(Long.parseLong(avail) < 64 * 1024, "the disk is full to the last blocks: " + avail + " bytes free");
        long fullRestart = System.nanoTime();
        node.restart();
        figure("restart (kill -9) with the disk 100 % full (filled by another program)", (System.nanoTime() - fullRestart) / 1e9);
        verifyAll();
        assertEquals(507, fillUntilRefused(List.of("vol-c")).statusCode());
        Files.delete(filler);
        long freed = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            long offset = nextOffset.get("vol-c");
            if (put("vol-c", offset, seedFor("vol-c", offset)).statusCode() == 200) {
                acknowledged.get("vol-c").put(offset, seedFor("vol-c", offset));
                nextOffset.put("vol-c", offset + CHUNK);
                return true;
            }
            return false;
        });
        figure("foreign file deleted to first successful write", (System.nanoTime() - freed) / 1e9);
        verifyAll();
        assertFalse(Files.readString(node.log).contains("\tat io.galleonfs.engine."), "no engine stack trace");
    }

    // ---------------------------------------------------------------- helpers

    private HttpResponse<String> fillUntilRefused(List<String> volumes) throws Exception {
        for (int i = 0; i < 400; i++) {
            String v = volumes.get(i % volumes.size());
            long offset = nextOffset.get(v);
            if (offset + CHUNK > (512L << 20)) {
                throw new AssertionError("volume " + v + " is full before the disk is");
            }
            long seed = seedFor(v, offset);
            HttpResponse<String> r = put(v, offset, seed);
            if (r.statusCode() != 200) {
                return r;
            }
            acknowledged.get(v).put(offset, seed);
            nextOffset.put(v, offset + CHUNK);
        }
        throw new AssertionError("the disk never filled up");
    }

    private static long seedFor(String volume, long offset) {
        return volume.hashCode() * 31L + offset;
    }

    private HttpResponse<String> put(String volume, long offset, long seed) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + node.ipcAddress + "/api/v1/volumes/" + volume
                        + "/data?offset=" + offset + "&write_concern=durable")).header("Authorization", node.bearerToken())
                .header("content-type", "application/octet-stream")
                .timeout(Duration.ofSeconds(60))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(pattern(seed))).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private void verifyAll() throws Exception {
        for (Map.Entry<String, Map<Long, Long>> v : acknowledged.entrySet()) {
            for (Map.Entry<Long, Long> w : v.getValue().entrySet()) {
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + node.ipcAddress + "/api/v1/volumes/" + v.getKey()
                        + "/data?offset=" + w.getKey() + "&length=" + CHUNK)).header("Authorization", node.bearerToken())
                        .timeout(Duration.ofSeconds(60)).GET().build();
                HttpResponse<byte[]> r = HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode(), () -> v.getKey() + "@" + w.getKey() + ": " + new String(r.body()));
                assertArrayEquals(pattern(w.getValue()), r.body(), v.getKey() + " at " + w.getKey());
            }
        }
    }

    private static String volumeId(CliRunner cli, String name) throws Exception {
        return JSON.readTree(cli.run("volume", "get", name, "-o", "json").ok().stdout()).get("id").asText();
    }

    private static byte[] pattern(long seed) {
        byte[] b = new byte[CHUNK];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void figure(String what, double seconds) {
        System.out.printf(java.util.Locale.ROOT, "FIGURE %s: %.2f s%n", what, seconds);
    }

    private record Sh(int exit, String out) {
    }

    private static Sh sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Sh(-1, out);
        }
        return new Sh(p.exitValue(), out);
    }

    private static void check(Sh result) {
        if (result.exit() != 0) {
            throw new IllegalStateException("setting up the loop file system failed: " + result.out());
        }
    }
}
