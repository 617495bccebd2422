package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code volume export-nbd} against real daemons, with and without an NBD server, and the URI it prints used by nbdinfo. */
class NbdExportCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private NodeProcess node;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-nbd-cli");
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
    void printsTheUriOfAVolumeAndOfASnapshot() throws Exception {
        String nbd = "127.0.0.1:" + NodeProcess.freePort();
        node = new NodeProcess(dir.resolve("node"), List.of("--nbd-address", nbd)).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "disk", "--size", "8M", "--storage-class", "fast-local-ssd").ok();
        Path in = Files.writeString(dir.resolve("in.txt"), "before the snapshot");
        cli.run("volume", "import", "disk", in.toString(), "--write-concern", "durable").ok();
        cli.run("volume", "snapshot", "create", "disk", "--name", "s1").ok();
        Files.writeString(in, "AFTER  the snapshot");
        cli.run("volume", "import", "disk", in.toString(), "--write-concern", "durable").ok();

        assertEquals("nbd://" + nbd + "/disk", cli.run("volume", "export-nbd", "disk").ok().stdout().strip());
        String id = JSON.readTree(cli.run("volume", "get", "disk", "-o", "json").ok().stdout()).get("id").asText();
        assertEquals("nbd://" + nbd + "/disk@s1", cli.run("volume", "export-nbd", id, "--snapshot", "s1").ok().stdout().strip());
        JsonNode json = JSON.readTree(cli.run("volume", "export-nbd", "disk", "--snapshot", "s1", "-o", "json").ok().stdout());
        assertEquals("nbd://" + nbd + "/disk@s1", json.get("uri").asText());
        assertEquals("disk@s1", json.get("export").asText());
        assertTrue(json.get("read_only").asBoolean());
        assertFalse(JSON.readTree(cli.run("volume", "export-nbd", "disk", "-o", "json").ok().stdout()).get("read_only").asBoolean());
        assertTrue(cli.run("daemon", "config").ok().stdout().contains(nbd));

        assertOneLineError(cli.run("volume", "export-nbd", "disk", "--snapshot", "nope"), "snapshot 'nope' of volume 'disk' not found");
        assertOneLineError(cli.run("volume", "export-nbd", "no-such-volume"), "volume 'no-such-volume' not found");

        if (installed("nbdinfo") && installed("nbdcopy")) {
            String uri = cli.run("volume", "export-nbd", "disk", "--snapshot", "s1").ok().stdout().strip();
            String info = run("nbdinfo", uri);
            assertTrue(info.contains("is_read_only: true") && info.contains("export-size: " + (8 << 20)), info);
            Path out = dir.resolve("snap.bin");
            run("nbdcopy", uri, out.toString());
            assertEquals("before the snapshot", new String(Files.readAllBytes(out), 0, 19, StandardCharsets.UTF_8));
        }
    }

    @Test
    void refusesWhenTheDaemonServesNoNbd() throws Exception {
        node = new NodeProcess(dir.resolve("plain"), List.of()).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "disk", "--size", "8M", "--storage-class", "fast-local-ssd").ok();
        assertOneLineError(cli.run("volume", "export-nbd", "disk"), "serves no NBD: start it with --nbd-address");
        assertTrue(cli.run("daemon", "config").ok().stdout().contains("nbd_address"));
    }

    private static void assertOneLineError(CliRunner.Result r, String expected) {
        assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains(expected), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
        assertEquals("", r.stdout());
    }

    private static boolean installed(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + output);
        return output;
    }
}
