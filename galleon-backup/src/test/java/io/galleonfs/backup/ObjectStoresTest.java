package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Target URL parsing and the directory store's own behaviour. */
class ObjectStoresTest {
    @TempDir
    Path dir;

    @Test
    void badUrlsAreInvalidTargets() {
        for (String url : new String[] {"", "no-scheme/path", "ftp://host/x", "file:relative/path",
                "file://host/abs", "s3:///prefix-only", "http://[bad"}) {
            assertThrows(InvalidTargetException.class, () -> ObjectStores.open(TargetSpec.of(url)), url);
        }
        assertThrows(InvalidTargetException.class, () -> ObjectStores.open(null));
        assertThrows(InvalidTargetException.class, () -> ObjectStores.open(new TargetSpec("s3://b/p",
                "not a url", null, true, "a", "b")));
    }

    @Test
    void directoryStorePutsAtomicallyListsAndReadsRanges() throws Exception {
        ObjectStore s = ObjectStores.open(TargetSpec.of(dir.resolve("t").toUri().toString()));
        assertInstanceOf(DirectoryObjectStore.class, s);
        s.put("data/ab/obj", new byte[] {1, 2, 3, 4, 5});
        s.put("data/ab/obj", new byte[] {9, 8, 7, 6, 5, 4});
        assertArrayEquals(new byte[] {8, 7}, s.getRange("data/ab/obj", 1, 2));
        assertEquals(6, s.size("data/ab/obj"));
        assertEquals(-1, s.size("data/ab/none"));
        Files.writeString(dir.resolve("t/data/ab/" + DirectoryObjectStore.TEMP_PREFIX + "x"), "partial");
        assertEquals(1, s.list("data/").size(), "temp files of interrupted puts are not objects");
        assertEquals(0, s.list("index/").size());
        assertThrows(ObjectNotFoundException.class, () -> s.get("data/ab/none"));
        assertThrows(ObjectNotFoundException.class, () -> s.getRange("data/ab/obj", 4, 10));
        assertThrows(IllegalArgumentException.class, () -> s.put("../escape", new byte[1]));
        s.delete("data/ab/obj");
        s.delete("data/ab/obj");
        assertFalse(s.exists("data/ab/obj"));
        assertTrue(s.describe().startsWith("file:"));
    }

    @Test
    void unwritableDirectoryIsUnavailable() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThrows(TargetUnavailableException.class,
                () -> ObjectStores.open(TargetSpec.directory(file.resolve("sub"))));
    }
}
