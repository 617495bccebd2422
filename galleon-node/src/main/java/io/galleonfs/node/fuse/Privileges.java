package io.galleonfs.node.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The daemon's user: root may mount directly and use loop devices; others go through fusermount. */
final class Privileges {
    private static final int UID = read("unix:uid");
    private static final int GID = read("unix:gid");

    private Privileges() {
    }

    static boolean root() {
        return UID == 0;
    }

    static int uid() {
        return UID;
    }

    static int gid() {
        return GID;
    }

    private static int read(String attribute) {
        try {
            // /proc/self belongs to the process's effective user and group.
            return (Integer) Files.getAttribute(Path.of("/proc/self"), attribute);
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }
}
