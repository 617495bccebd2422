package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code volume metrics} and {@code top} against a real daemon, with I/O through REST and (when nbdcopy is installed) NBD. */
class VolumeMetricsCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private NodeProcess node;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-metrics-cli");
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

    @Test
    void metricsAndTopShowTheVolumesIo() throws Exception {
        String nbd = "127.0.0.1:" + NodeProcess.freePort();
        node = new NodeProcess(dir.resolve("node"), List.of("--nbd-address", nbd)).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "disk", "--size", "8M", "--storage-class", "fast-local-ssd").ok();
        Path in = Files.write(dir.resolve("in.bin"), new byte[100_000]);
        cli.run("volume", "import", "disk", in.toString(), "--write-concern", "durable").ok();

        JsonNode m = JSON.readTree(cli.run("volume", "metrics", "disk", "-o", "json").ok().stdout());
        assertEquals("disk", m.get("volume").asText());
        assertEquals("default", m.get("namespace").asText());
        long writes = m.get("totals").get("writes").asLong();
        assertTrue(writes >= 1, m.toString());
        assertEquals(100_000, m.get("totals").get("write_bytes").asLong());
        String table = cli.run("volume", "metrics", "disk").ok().stdout();
        assertTrue(table.contains("Write latency p50/p99/p99.9 ms (10s)") && table.contains("Totals reads/writes/trims/flushes"), table);

        List<String> watch = cli.run("volume", "metrics", "disk", "--watch", "--count", "2").ok().stdout().strip().lines().toList();
        assertEquals(3, watch.size(), String.join("\n", watch));
        assertTrue(watch.get(0).startsWith("TIME") && watch.get(0).contains("w_p99ms"), watch.get(0));
        List<String> jsonLines = cli.run("volume", "metrics", "disk", "--watch", "--count", "2", "-o", "json").ok().stdout().strip().lines().toList();
        assertEquals(2, jsonLines.size());
        assertEquals("disk", JSON.readTree(jsonLines.get(1)).get("volume").asText());

        String top = cli.run("top", "--once").ok().stdout();
        assertTrue(top.startsWith("NODE") && top.contains("\nVOLUME") && top.contains("\ndisk "), top);
        assertTrue(!top.contains("\033["), "no terminal control codes when stdout is not a terminal");
        JsonNode topJson = JSON.readTree(cli.run("top", "--once", "--sort", "throughput", "-o", "json").ok().stdout());
        assertEquals("disk", topJson.get("volumes").get(0).get("volume").asText());
        assertEquals("ok", topJson.get("nodes").get(0).get("state").asText(), topJson.toString());
        String local = cli.run("top", "--once", "--local").ok().stdout();
        assertTrue(local.startsWith("VOLUME") && local.contains("\ndisk "), local);

        if (installed("nbdcopy")) {
            // Real NBD I/O from a separate process shows up as reads of the volume.
            run("nbdcopy", "nbd://" + nbd + "/disk", dir.resolve("out.bin").toString());
            JsonNode after = JSON.readTree(cli.run("volume", "metrics", "disk", "-o", "json").ok().stdout());
            assertTrue(after.get("totals").get("reads").asLong() > 0 && after.get("totals").get("read_bytes").asLong() > 0, after.toString());
        }
    }

    private static boolean installed(String tool) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "command -v " + tool).redirectErrorStream(true).start();
        return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + output);
    }
}
