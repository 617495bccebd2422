package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real daemon whose storage path is new and whose configuration says {@code engine_format = "log"}: volumes (plain and
 * encrypted) on the log-structured store through the CLI, a snapshot, kill -9, restart, everything read back; a start with
 * the other format is refused with one line naming {@code galleonfs storage convert}; {@code storage convert} refuses with
 * one line (daemon running, wrong path, already in the format, bad format), then converts the stopped node to layers, which
 * starts on the default configuration ({@code auto}: the format the path records) and reads everything back.
 */
class LogFormatDaemonIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private final List<NodeProcess> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-log-format");
    }

    @AfterEach
    void tearDown() throws IOException {
        nodes.forEach(NodeProcess::close);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private Path config(String format) throws IOException {
        Path conf = dir.resolve("galleonfs-" + format + ".toml");
        Files.writeString(conf, "[storage]\nengine_format = \"" + format + "\"\n");
        return conf;
    }

    private NodeProcess start(Path storage, String format) throws IOException {
        NodeProcess n = new NodeProcess(storage, List.of("--config", config(format).toString()));
        nodes.add(n);
        return n.start();
    }

    @Test
    void volumesOnTheLogStoreSurviveKillDashNineAndTheOtherFormatIsRefused() throws Exception {
        Path storage = dir.resolve("node");
        NodeProcess node = start(storage, "log");
        assertEquals("galleonfs-engine log-v1", Files.readString(storage.resolve("engine").resolve("format")).strip());
        CliRunner cli = new CliRunner(node.ipcAddress);
        assertEquals("log", JSON.readTree(cli.run("daemon", "config", "-o", "json").ok().stdout()).get("engine_format").asText());

        byte[] plain = new byte[5 << 20];
        new Random(7).nextBytes(plain);
        byte[] secret = new byte[3 << 20];
        new Random(8).nextBytes(secret);
        Path in = dir.resolve("in.bin");
        cli.run("volume", "create", "--name", "plain", "--size", "64M", "--storage-class", "fast-local-ssd", "--replicas", "1").ok();
        cli.run("volume", "create", "--name", "secret", "--size", "16M", "--storage-class", "encrypted-storage", "--replicas", "1").ok();
        Files.write(in, plain);
        cli.run("volume", "import", "plain", in.toString(), "--write-concern", "durable").ok();
        Files.write(in, secret);
        cli.run("volume", "import", "secret", in.toString(), "--offset", "8192", "--write-concern", "durable").ok();
        cli.run("volume", "snapshot", "create", "plain", "--name", "s1").ok();
        Path patch = dir.resolve("patch.bin");
        Files.writeString(patch, "after the snapshot");
        cli.run("volume", "import", "plain", patch.toString(), "--offset", "4100", "--write-concern", "durable").ok();
        cli.run("volume", "clone", "plain", "--name", "plain-s1", "--snapshot", "s1").ok();

        node.process().destroyForcibly();
        node.process().waitFor();

        NodeProcess again = start(storage, "log");
        CliRunner cli2 = new CliRunner(again.ipcAddress);
        byte[] expected = plain.clone();
        byte[] p = "after the snapshot".getBytes();
        System.arraycopy(p, 0, expected, 4100, p.length);
        assertArrayEquals(expected, export(cli2, "plain", plain.length), "durable writes survive kill -9");
        assertArrayEquals(plain, export(cli2, "plain-s1", plain.length), "the clone of the snapshot");
        byte[] secretBack = export(cli2, "secret", 8192 + secret.length);
        assertArrayEquals(secret, java.util.Arrays.copyOfRange(secretBack, 8192, secretBack.length), "encrypted volume");
        assertArrayEquals(new byte[8192], java.util.Arrays.copyOf(secretBack, 8192), "unwritten bytes read as zeros");
        assertTrue(cli2.run("snapshot", "list", "plain").ok().stdout().contains("s1"));
        cli2.run("volume", "restore", "plain", "--snapshot", "s1").ok();
        assertArrayEquals(plain, export(cli2, "plain", plain.length), "restore brings back the snapshot");
        assertTrue(cli2.run("volume", "verify", "secret").ok().stdout().contains("all good"));
        assertFalse(Files.exists(storage.resolve("engine").resolve("journal")), "no layer engine files");
        assertOneLineError(cli2.run("storage", "convert", "--storage-path", storage.toString(), "--to", "layers"),
                "is in use by a running GalleonFS daemon");

        again.close(); // kill -9
        NodeProcess layers = new NodeProcess(storage, List.of("--config", config("layers").toString()));
        Process refused = new ProcessBuilder(layers.command()).redirectErrorStream(true).start();
        String out = new String(refused.getInputStream().readAllBytes());
        assertTrue(refused.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, refused.exitValue(), out);
        assertEquals(1, out.strip().lines().count(), out);
        assertTrue(out.contains("is in format log-v1") && out.contains("galleonfs storage convert"), out);

        // storage convert, offline: one-line refusals, then log -> layers with progress, and the node starts on layers.
        assertOneLineError(cli2.run("storage", "convert", "--storage-path", dir.resolve("nope").toString(), "--to", "layers"),
                "does not exist");
        assertOneLineError(cli2.run("storage", "convert", "--storage-path", storage.toString(), "--to", "log"),
                "already in format log-v1");
        assertOneLineError(cli2.run("storage", "convert", "--storage-path", storage.toString(), "--to", "btree"),
                "--to must be layers or log");
        CliRunner.Result converted = cli2.run("storage", "convert", "--storage-path", storage.toString(), "--to", "layers",
                "--config", config("layers").toString()).ok();
        String progress = converted.stdout();
        assertTrue(progress.contains("converting " + storage.resolve("engine") + " from log-v1 to layers-v1"), progress);
        assertTrue(progress.lines().filter(l -> l.startsWith("volume ") && l.endsWith("MB/s)")).count() == 3, progress);
        assertTrue(progress.contains("verified 3 volume(s) and 1 snapshot(s)") && progress.contains("done: 3 volume(s)"), progress);
        assertEquals("", converted.stderr().strip(), "no log noise on stderr");
        assertEquals("galleonfs-engine layers-v1", Files.readString(storage.resolve("engine").resolve("format")).strip());

        // No engine_format (the default, auto): an existing path opens in the format it records.
        NodeProcess onLayers = new NodeProcess(storage, List.of());
        nodes.add(onLayers);
        onLayers.start();
        CliRunner cli3 = new CliRunner(onLayers.ipcAddress);
        assertEquals("layers", JSON.readTree(cli3.run("daemon", "config", "-o", "json").ok().stdout()).get("engine_format").asText());
        assertArrayEquals(plain, export(cli3, "plain", plain.length), "the restored live content, converted");
        assertArrayEquals(plain, export(cli3, "plain-s1", plain.length), "the clone, now an independent copy");
        secretBack = export(cli3, "secret", 8192 + secret.length);
        assertArrayEquals(secret, java.util.Arrays.copyOfRange(secretBack, 8192, secretBack.length), "encrypted volume");
        assertTrue(cli3.run("snapshot", "list", "plain").ok().stdout().contains("s1"));
        assertTrue(cli3.run("volume", "verify", "plain").ok().stdout().contains("all good"));
        assertTrue(Files.isDirectory(storage.resolve("engine").resolve("journal")), "the layer engine's files");
        assertFalse(Files.exists(storage.resolve("engine.converting")), "the old store is removed");
    }

    private static void assertOneLineError(CliRunner.Result r, String expected) {
        assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains(expected), r.stderr());
        assertFalse(r.stderr().contains("Exception") || r.stderr().contains("\tat "), r.stderr());
        assertEquals(1, r.stderr().strip().lines().count(), r.stderr());
    }

    private byte[] export(CliRunner cli, String volume, int length) throws Exception {
        Path out = dir.resolve(volume + ".out");
        cli.run("volume", "export", volume, out.toString(), "--length", Integer.toString(length)).ok();
        byte[] bytes = Files.readAllBytes(out);
        Files.delete(out);
        return bytes;
    }
}
