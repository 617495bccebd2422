package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RebuildCursorsTest {
    private static final UUID VOL = UUID.randomUUID();

    @Test
    void aSavedCursorIsReadBackUntilForgotten(@TempDir Path dir) {
        RebuildCursors cursors = new RebuildCursors(dir, false);
        assertNull(cursors.get(VOL, "n2"));
        cursors.save(VOL, "n2", 4095, 77);
        cursors.save(VOL, "n2", 8191, 77);
        assertArrayEquals(new long[] {8191, 77}, cursors.get(VOL, "n2"));
        assertArrayEquals(new long[] {8191, 77}, new RebuildCursors(dir, false).get(VOL, "n2"), "survives a clean restart");
        assertNull(cursors.get(VOL, "n3"), "per replica node");
        cursors.forget(VOL, "n2");
        assertNull(cursors.get(VOL, "n2"));
    }

    @Test
    void afterACrashOfThisNodeNoCursorIsTrusted(@TempDir Path dir) {
        new RebuildCursors(dir, false).save(VOL, "n2", 4095, 77);
        assertNull(new RebuildCursors(dir, true).get(VOL, "n2"));
    }

    @Test
    void aDamagedCursorFileMeansStartOver(@TempDir Path dir) throws Exception {
        RebuildCursors cursors = new RebuildCursors(dir, false);
        cursors.save(VOL, "n2", 4095, 77);
        try (var files = Files.list(dir)) {
            Files.writeString(files.filter(f -> f.getFileName().toString().startsWith("rebuild-")).findFirst().orElseThrow(), "40");
        }
        assertNull(cursors.get(VOL, "n2"));
    }
}
