package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code volume create --label} and {@code volume label} against a real daemon: the CLI path, its table and its errors. */
class VolumeLabelCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private NodeProcess node;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-label-cli");
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

    private static JsonNode labels(CliRunner cli, String volume) throws Exception {
        return JSON.readTree(cli.run("volume", "get", volume, "-o", "json").ok().stdout()).get("labels");
    }

    private static void oneLineError(CliRunner.Result r) {
        assertNotEquals(0, r.exitCode(), r::toString);
        assertEquals(1, r.stderr().strip().lines().count(), r::toString);
        assertFalse(r.stderr().contains("Exception"), r::toString);
    }

    @Test
    void labelsAreSetChangedRemovedAndShownInTheList() throws Exception {
        node = new NodeProcess(dir.resolve("node"), List.of()).start();
        CliRunner cli = new CliRunner(node.ipcAddress);
        cli.run("volume", "create", "--name", "db", "--size", "4M", "--storage-class", "fast-local-ssd", "--label", "tier=gold",
                "--label", "app=shop").ok();
        assertEquals("gold", labels(cli, "db").get("tier").asText());
        assertEquals("shop", labels(cli, "db").get("app").asText());

        String out = cli.run("volume", "label", "db", "tier=silver", "team=payments", "--remove", "app").ok().stdout();
        assertTrue(out.contains("Volume db labels: team=payments,tier=silver"), out);
        JsonNode now = labels(cli, "db");
        assertEquals("silver", now.get("tier").asText());
        assertEquals("payments", now.get("team").asText());
        assertFalse(now.has("app"), now.toString());
        String table = cli.run("volume", "list").ok().stdout();
        assertTrue(table.lines().anyMatch(l -> l.startsWith("db ") && l.strip().endsWith("team=payments,tier=silver")), table);

        // Bad input: one readable line, exit code != 0, nothing changed.
        oneLineError(cli.run("volume", "label", "db", "no-equals-sign"));
        oneLineError(cli.run("volume", "label", "db", "bad key=x"));
        oneLineError(cli.run("volume", "label", "missing", "a=b"));
        assertEquals(now, labels(cli, "db"));
    }
}
