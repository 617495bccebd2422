package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MountsTest {
    @Test
    void octalEscapesOfTheMountTableAreDecoded() {
        assertEquals("/tmp/a b\tc", Mounts.unescape("/tmp/a\\040b\\011c"));
        assertEquals("/tmp/plain", Mounts.unescape("/tmp/plain"));
        assertEquals("/tmp/x\\", Mounts.unescape("/tmp/x\\"));
        assertEquals("/tmp/x\\04", Mounts.unescape("/tmp/x\\04"));
    }
}
