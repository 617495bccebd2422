package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        RebuildCursors cursors = new RebuildCursors(dir);
        assertNull(cursors.get(VOL, "n2"));
        cursors.save(VOL, "n2", new RebuildCursors.Cursor(4095, 77, 3));
        cursors.save(VOL, "n2", new RebuildCursors.Cursor(8191, 77, 3));
        assertEquals(new RebuildCursors.Cursor(8191, 77, 3), cursors.get(VOL, "n2"));
        assertEquals(new RebuildCursors.Cursor(8191, 77, 3), new RebuildCursors(dir).get(VOL, "n2"), "survives a restart");
        assertNull(cursors.get(VOL, "n3"), "per replica node");
        cursors.forget(VOL, "n2");
        assertNull(cursors.get(VOL, "n2"));
    }

    @Test
    void aCursorOfTheOlderFormatHasNoResetEpochSoNothingResumesFromIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("rebuild-" + VOL + "-n2"), "4095 77");
        assertEquals(new RebuildCursors.Cursor(4095, 77, 0), new RebuildCursors(dir).get(VOL, "n2"));
    }

    @Test
    void aDamagedCursorFileMeansStartOver(@TempDir Path dir) throws Exception {
        RebuildCursors cursors = new RebuildCursors(dir);
        cursors.save(VOL, "n2", new RebuildCursors.Cursor(4095, 77, 3));
        try (var files = Files.list(dir)) {
            Files.writeString(files.filter(f -> f.getFileName().toString().startsWith("rebuild-")).findFirst().orElseThrow(), "40");
        }
        assertNull(cursors.get(VOL, "n2"));
    }
}
