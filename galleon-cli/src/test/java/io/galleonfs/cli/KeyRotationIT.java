package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A daemon whose master key is in a SoftHSM2 token ({@code [keys] provider = "pkcs11"}): {@code galleonfs key rotate}
 * (admin only) rewraps the encrypted volume online, {@code key destroy-old} removes the old token key, and the volume
 * reads the same after a restart. Skipped only where SoftHSM2 is not installed.
 */
class KeyRotationIT {
    private static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    private static final String PIN = "it-pin-8213";
    private Path dir;
    private NodeProcess node;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-keys-it");
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

    private Path initToken() throws Exception {
        Path conf = dir.resolve("softhsm2.conf");
        Files.createDirectories(dir.resolve("tokens"));
        Files.writeString(conf, "directories.tokendir = " + dir.resolve("tokens") + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        ProcessBuilder pb = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", "galleon-it", "--pin", PIN,
                "--so-pin", "so-" + PIN).redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Files.writeString(dir.resolve("pin"), PIN + "\n");
        return conf;
    }

    @Test
    void rotateInAnHsmTokenOnlineThenDestroyTheOldKeyAndRestart() throws Exception {
        assumeTrue(Files.isReadable(LIBRARY), "SoftHSM2 is not installed (" + LIBRARY + " missing): apt-get install softhsm2");
        Path softhsmConf = initToken();
        Path config = dir.resolve("daemon.conf");
        Files.writeString(config, """
                [keys]
                provider = "pkcs11"
                pkcs11_library = "%s"
                token_label = "galleon-it"
                pin_file = "%s"
                key_label = "node-1"
                """.formatted(LIBRARY, dir.resolve("pin")));
        node = new NodeProcess(dir.resolve("node"), List.of("--config", config.toString())).withEnv("SOFTHSM2_CONF", softhsmConf.toString())
                .start();
        CliRunner admin = new CliRunner(node.ipcAddress, () -> node.bearerToken().substring("Bearer ".length()));
        ObjectMapper json = new ObjectMapper();

        admin.run("volume", "create", "--name", "secret", "--size", "4M", "--storage-class", "encrypted-storage", "--replicas", "1").ok();
        byte[] data = new byte[64 * 1024];
        new Random(11).nextBytes(data);
        Path in = dir.resolve("in.bin");
        Files.write(in, data);
        admin.run("volume", "import", "secret", in.toString(), "--offset", "65536", "--write-concern", "durable").ok();

        JsonNode status = json.readTree(admin.run("key", "status", "-o", "json").ok().stdout());
        assertEquals("pkcs11", status.get("provider").asText());
        assertEquals("pkcs11:node-1", status.get("current_key").asText());
        assertEquals(1, status.get("volumes_by_key").get("pkcs11:node-1").asInt());

        String operator = admin.run("token", "create", "--name", "ops", "--role", "operator").ok().stdout().strip();
        CliRunner.Result refused = new CliRunner(node.ipcAddress, () -> operator).run("key", "rotate");
        assertNotEquals(0, refused.exitCode(), refused::toString);
        assertEquals(1, refused.stderr().strip().lines().count(), refused::toString);
        assertFalse(refused.stderr().contains("Exception"), refused::toString);

        String rotated = admin.run("key", "rotate").ok().stdout();
        assertTrue(rotated.contains("master key rotated from pkcs11:node-1 to pkcs11:node-1-v2, 1 volume(s) rewrapped"), rotated);
        assertTrue(rotated.contains("still held: pkcs11:node-1"), rotated);
        String destroyed = admin.run("key", "destroy-old").ok().stdout();
        assertTrue(destroyed.contains("destroyed pkcs11:node-1 "), destroyed);
        String everyNode = admin.run("key", "rotate", "--all-nodes", "--destroy-old").ok().stdout();
        assertTrue(everyNode.contains("to pkcs11:node-1-v3, 1 volume(s) rewrapped"), everyNode);
        assertTrue(everyNode.contains("destroyed: pkcs11:node-1-v2"), everyNode);

        node.close(); // SIGKILL: a crash, not a clean stop
        node.restart();
        Path out = dir.resolve("out.bin");
        admin.run("volume", "export", "secret", out.toString(), "--offset", "65536", "--length", Integer.toString(data.length)).ok();
        assertArrayEquals(data, Files.readAllBytes(out), "the volume reads the same after rotation, destruction and restart");
        JsonNode after = json.readTree(admin.run("key", "status", "-o", "json").ok().stdout());
        assertEquals("pkcs11:node-1-v3", after.get("current_key").asText());
        assertEquals(1, after.get("held_keys").size(), after.toString());

        String log = Files.readString(node.log);
        assertTrue(log.contains("master key provider pkcs11, current key pkcs11:node-1-v3"), "provider logged at start");
        assertFalse(log.contains(PIN), "the PIN is never logged");
    }
}
