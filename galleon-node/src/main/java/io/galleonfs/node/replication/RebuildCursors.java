package io.galleonfs.node.replication;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Where a rebuild got to, per (volume, replica node): {@code <dir>/rebuild-<volume>-<node>} holding "last block copied
 * and flushed there" and the replica's incarnation, replaced atomically. A primary that restarts cleanly resumes a
 * rebuild after that block when the replica kept running (same incarnation). Not trusted after a crash of this node:
 * its own copy may then lack writes the replica has.
 */
final class RebuildCursors {
    private static final Logger LOG = Logger.getLogger(RebuildCursors.class);

    private final Path dir;
    private final boolean crashedLastTime;

    RebuildCursors(Path dir, boolean crashedLastTime) {
        this.dir = dir;
        this.crashedLastTime = crashedLastTime;
    }

    /** {last block, replica incarnation}, or null when there is none to trust. */
    long[] get(UUID volume, String node) {
        Path f = file(volume, node);
        if (crashedLastTime || !Files.exists(f)) {
            return null;
        }
        try {
            String[] parts = Files.readString(f).trim().split(" ");
            return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    void save(UUID volume, String node, long lastBlock, long incarnation) {
        try {
            Path tmp = dir.resolve("rebuild.tmp-" + volume + "-" + node);
            Files.writeString(tmp, lastBlock + " " + incarnation);
            Files.move(tmp, file(volume, node), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.debugf("cannot save the rebuild checkpoint of %s on %s: %s", volume, node, e.getMessage());
        }
    }

    void forget(UUID volume, String node) {
        try {
            Files.deleteIfExists(file(volume, node));
        } catch (IOException e) {
            LOG.debugf("cannot remove the rebuild checkpoint of %s on %s: %s", volume, node, e.getMessage());
        }
    }

    private Path file(UUID volume, String node) {
        return dir.resolve("rebuild-" + volume + "-" + node);
    }
}
