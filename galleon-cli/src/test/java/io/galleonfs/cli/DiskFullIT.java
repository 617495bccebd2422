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
 * A real daemon on the layer engine ({@code engine_format = "layers"}) on a real, small ext4 file system (a loop device) filled with durable writes: writes get 507 with a
 * readable problem body, reads go on, deleting a volume frees space at once, and the node restarts on the full disk
 * with every acknowledged write intact. Needs root and losetup; skipped otherwise.
 */
class DiskFullIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESERVE = "24M";

    private static LoopFileSystem fs;
    private static NodeProcess node;

    @BeforeAll
    static void fileSystem() throws Exception {
        LoopFileSystem.assumeAvailable();
        fs = LoopFileSystem.mount("200M");
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
        if (fs != null) {
            fs.close();
        }
    }

    @Test
    void fullDiskRefusesWritesRecoversOnDeleteAndRestarts() throws Exception {
        // The layer engine's story (its journal and layer files); LogFormatDiskFullIT tells the log store's.
        Path config = fs.dir.resolve("layers.toml");
        Files.writeString(config, "[storage]\nengine_format = \"layers\"\n");
        node = new NodeProcess(fs.mnt.resolve("node"), List.of("--reserved-space", RESERVE, "--config", config.toString()));
        node.start();
        DurableChunks chunks = new DurableChunks(node);
        CliRunner cli = new CliRunner(node.ipcAddress);
        for (String v : List.of("vol-a", "vol-b", "vol-c")) {
            cli.run("volume", "create", "--name", v, "--size", "512M", "--storage-class", "fast-local-ssd", "--replicas", "1").ok();
            chunks.add(v);
        }

        JsonNode status = JSON.readTree(cli.run("daemon", "status", "-o", "json").ok().stdout());
        assertEquals(24L << 20, status.get("storage_reserved_bytes").asLong());
        assertTrue(status.get("overcommit_ratio").asDouble() > 7, status.toString()); // 1.5 GiB on < 200 MB
        assertFalse(status.get("writes_refused").asBoolean());
        await().atMost(Duration.ofSeconds(10)).until(() -> JSON.readTree(cli.run("cluster", "peers", "-o", "json").ok().stdout())
                .get(0).get("reserved_bytes").asLong() == 24L << 20);

        // 1. Fill with durable 8 MiB writes until the node refuses one with 507.
        HttpResponse<String> refused = chunks.fillUntilRefused(List.of("vol-a", "vol-b"));
        assertEquals(507, refused.statusCode(), refused.body());
        assertTrue(refused.headers().firstValue("content-type").orElse("").startsWith("application/problem+json"),
                refused.headers().toString());
        JsonNode problem = JSON.readTree(refused.body());
        assertEquals(507, problem.get("status").asInt());
        assertEquals("Insufficient Storage", problem.get("title").asText());
        String detail = problem.get("detail").asText();
        assertFalse(detail.contains("java.") || detail.contains("Exception"), detail);
        assertTrue(detail.contains("no space"), detail);
        int filled = chunks.count();
        assertTrue(filled >= 8, "only " + filled + " writes of 8 MiB fit");

        // Other volumes are refused too; reads go on; status says so.
        assertEquals(507, chunks.put("vol-c", 0, 99).statusCode());
        chunks.verifyAll();
        JsonNode full = JSON.readTree(cli.run("daemon", "status", "-o", "json").ok().stdout());
        assertTrue(full.get("storage_free_bytes").asLong() < (24L << 20) + 2L * DurableChunks.CHUNK, full.toString());

        // 2. Deleting a volume frees its space at once: writes succeed again without a restart.
        Path bFiles = fs.mnt.resolve("node/engine/volumes").resolve(volumeId(cli, "vol-b"));
        assertTrue(Files.isDirectory(bFiles), bFiles.toString());
        long deleteStarted = System.nanoTime();
        cli.run("volume", "delete", "vol-b", "--force").ok();
        long deleteAnswered = System.nanoTime();
        chunks.forget("vol-b");
        long[] firstWrite = new long[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            if (chunks.writeNext("vol-a")) {
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
        HttpResponse<String> again = chunks.fillUntilRefused(List.of("vol-a", "vol-c"));
        assertEquals(507, again.statusCode(), again.body());
        node.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        long restartStarted = System.nanoTime();
        node.restart();
        double restartSeconds = (System.nanoTime() - restartStarted) / 1e9;
        figure("restart (kill -9) on the full disk until ready", restartSeconds);
        String log = Files.readString(node.log);
        assertFalse(log.contains("\tat io.galleonfs.engine."), "no engine stack trace in the daemon's output");

        // 4. Every acknowledged write reads back byte for byte; the node still refuses what does not fit.
        chunks.verifyAll();
        // Replay may retire journal files and so free some space: the node takes what now fits and refuses the rest.
        assertEquals(507, chunks.fillUntilRefused(List.of("vol-a", "vol-c")).statusCode());
        chunks.verifyAll();
        int total = chunks.count();
        System.out.println("FIGURE acknowledged 8 MiB durable writes verified after restart: " + total);

        // 5. Another program fills the disk to the last block while the node is down: it still starts (the reserve
        // file gives replay its room), refuses writes, and takes them again once that program's file is gone. vol-a is
        // deleted first so that the space the foreign file takes (and gives back) is well above the node's reserve.
        cli.run("volume", "delete", "vol-a", "--force").ok();
        chunks.forget("vol-a");
        node.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Path filler = fs.mnt.resolve("filler");
        LoopFileSystem.sh("dd if=/dev/zero of=" + filler + " bs=1M status=none; dd if=/dev/zero of=" + filler
                + " bs=4096 oflag=append conv=notrunc status=none; sync");
        long avail = fs.availableBytes();
        assertTrue(avail < 64 * 1024, "the disk is full to the last blocks: " + avail + " bytes free");
        long fullRestart = System.nanoTime();
        node.restart();
        figure("restart (kill -9) with the disk 100 % full (filled by another program)", (System.nanoTime() - fullRestart) / 1e9);
        chunks.verifyAll();
        assertEquals(507, chunks.fillUntilRefused(List.of("vol-c")).statusCode());
        Files.delete(filler);
        long freed = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> chunks.writeNext("vol-c"));
        figure("foreign file deleted to first successful write", (System.nanoTime() - freed) / 1e9);
        chunks.verifyAll();
        assertFalse(Files.readString(node.log).contains("\tat io.galleonfs.engine."), "no engine stack trace");
    }

    // ---------------------------------------------------------------- helpers

    static String volumeId(CliRunner cli, String name) throws Exception {
        return JSON.readTree(cli.run("volume", "get", name, "-o", "json").ok().stdout()).get("id").asText();
    }

    static void figure(String what, double seconds) {
        System.out.printf(java.util.Locale.ROOT, "FIGURE %s: %.2f s%n", what, seconds);
    }
}
