package io.galleonfs.node.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcMountsTest {
    @Test
    void parsesLinesAndUnescapesPaths() {
        List<ProcMounts.Entry> e = ProcMounts.parse(List.of(
                "galleonfs:n1:m1 /mnt/my\\040vol fuse.galleonfs rw,nosuid,nodev 0 0",
                "/dev/loop3 /srv/db ext4 rw,relatime 0 0",
                "garbage"));
        assertEquals(2, e.size());
        assertEquals(new ProcMounts.Entry("galleonfs:n1:m1", "/mnt/my vol", "fuse.galleonfs", "rw,nosuid,nodev"), e.get(0));
        assertEquals("/dev/loop3", e.get(1).source());
        assertEquals("a\\b", ProcMounts.unescape("a\\134b"));
        assertEquals("tab\there", ProcMounts.unescape("tab\\011here"));
        assertEquals("keep\\x", ProcMounts.unescape("keep\\x"));
    }

    @Test
    void readsThisProcessTable() {
        assertTrue(ProcMounts.isMountPoint(Path.of("/proc")));
        assertFalse(ProcMounts.isMountPoint(Path.of("/proc/self/nonexistent")));
    }

    @Test
    void sourceNamesCarryTheNodeId() {
        assertEquals("galleonfs:node-a:m-1", StaleMounts.source("node-a", "m-1"));
        assertTrue(StaleMounts.source("node-a", "m-1").startsWith(StaleMounts.prefix("node-a")));
        assertFalse(StaleMounts.source("node-ab", "m-1").startsWith(StaleMounts.prefix("node-a")));
    }
}
