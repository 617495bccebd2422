package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link DiskFullIT}'s story on a node whose storage is the log store ({@code engine_format = "log"}): the space guard
 * refuses durable writes with 507 before the file system is full, reads go on, deleting a volume gives its space back
 * through the cleaner without a restart, and the node restarts on a disk another program filled to the last block with
 * every acknowledged write intact. Needs root and losetup; skipped otherwise.
 */
class LogFormatDiskFullIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LoopFileSystem fs;
    private static NodeProcess node;

    @BeforeAll
    static void fileSystem() throws Exception {
        LoopFileSystem.assumeAvailable();
        // the store holds two 64 MiB segments (the head and the prepared next one) from the start
        fs = LoopFileSystem.mount("300M");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (node != null) {
            node.close();
            if (Files.exists(node.log)) {
                Path keep = Path.of("target/log-format-disk-full-it-daemon.log");
                Files.createDirectories(keep.toAbsolutePath().getParent());
                Files.copy(node.log, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (fs != null) {
            fs.close();
        }
    }

    @Test
    void fullDiskRefusesWritesGetsSpaceBackFromTheCleanerAndRestarts() throws Exception {
        Path config = fs.dir.resolve("log.toml");
        Files.writeString(config, "[storage]\nengine_format = \"log\"\n");
        node = new NodeProcess(fs.mnt.resolve("node"), List.of("--reserved-space", "24M", "--config", config.toString()));
        node.start();
        DurableChunks chunks = new DurableChunks(node);
        CliRunner cli = new CliRunner(node.ipcAddress);
        for (String v : List.of("vol-a", "vol-b")) {
            cli.run("volume", "create", "--name", v, "--size", "512M", "--storage-class", "fast-local-ssd", "--replicas", "1").ok();
            chunks.add(v);
        }
        assertEquals("log-v1", Files.readString(fs.mnt.resolve("node/engine/format")).strip().replace("galleonfs-engine ", ""));

        // 1. Durable 8 MiB writes until the guard refuses one: 507 with a readable body; reads go on.
        HttpResponse<String> refused = chunks.fillUntilRefused(List.of("vol-a", "vol-b"));
        assertEquals(507, refused.statusCode(), refused.body());
        JsonNode problem = JSON.readTree(refused.body());
        assertTrue(problem.get("detail").asText().contains("no space left for writes"), refused.body());
        assertTrue(chunks.count() >= 4, "only " + chunks.count() + " writes of 8 MiB fit");
        assertTrue(fs.availableBytes() > 16L << 20, "refused before the file system is full: " + fs.availableBytes());
        JsonNode status = JSON.readTree(cli.run("daemon", "status", "-o", "json").ok().stdout());
        assertTrue(status.get("writes_refused").asBoolean(), status.toString());
        chunks.verifyAll();

        // 2. Deleting a volume: its blocks are garbage; the next writes tell the cleaner space is short, and it frees them.
        cli.run("volume", "delete", "vol-b", "--force").ok();
        chunks.forget("vol-b");
        long deleted = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> chunks.writeNext("vol-a"));
        DiskFullIT.figure("log store: delete answered to first successful write", (System.nanoTime() - deleted) / 1e9);

        // 3. kill -9; another program fills the disk to the last block; the node starts, keeps every acknowledged
        // write, refuses new ones, and takes them again once that program's file is gone.
        node.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Path filler = fs.mnt.resolve("filler");
        LoopFileSystem.sh("dd if=/dev/zero of=" + filler + " bs=1M status=none; dd if=/dev/zero of=" + filler
                + " bs=4096 oflag=append conv=notrunc status=none; sync");
        assertTrue(fs.availableBytes() < 64 * 1024, "the disk is full to the last blocks: " + fs.availableBytes());
        node.restart();
        chunks.verifyAll();
        assertEquals(507, chunks.fillUntilRefused(List.of("vol-a")).statusCode());
        Files.delete(filler);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> chunks.writeNext("vol-a"));
        chunks.verifyAll();
        System.out.println("FIGURE log store: acknowledged 8 MiB durable writes verified: " + chunks.count());
        assertFalse(Files.readString(node.log).contains("\tat io.galleonfs.engine."), "no engine stack trace");
    }
}
