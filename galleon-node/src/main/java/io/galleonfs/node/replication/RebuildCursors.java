package io.galleonfs.node.replication;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Where a rebuild got to, per (volume, replica node): {@code <dir>/rebuild-<volume>-<node>} holding the last
 * checkpoint's {@link Cursor}, replaced atomically. Saved only after the replica flushed everything up to the cursor,
 * the replica recorded the checkpoint's mark, and this node flushed its own copy; so it is trusted after a clean
 * restart and after a crash alike. Whether a rebuild may resume from it is the rebuild's decision (same epoch, same
 * replica process, the replica still knows the mark); a file that cannot be read means starting over.
 */
final class RebuildCursors {
    private static final Logger LOG = Logger.getLogger(RebuildCursors.class);

    /**
     * {@code lastBlock}: every allocated block up to it was copied and flushed there; {@code incarnation}: the replica
     * process it was copied to; {@code resetEpoch}: the epoch of the reset that started the rebuild, which is also its
     * mark namespace on the replica (a file of an older format has 0 and is never resumed from).
     */
    record Cursor(long lastBlock, long incarnation, long resetEpoch) {
    }

    private final Path dir;

    RebuildCursors(Path dir) {
        this.dir = dir;
    }

    /** The saved cursor, or null when there is none (or it cannot be read). */
    Cursor get(UUID volume, String node) {
        Path f = file(volume, node);
        if (!Files.exists(f)) {
            return null;
        }
        try {
            String[] parts = Files.readString(f).trim().split(" ");
            return new Cursor(Long.parseLong(parts[0]), Long.parseLong(parts[1]), parts.length > 2 ? Long.parseLong(parts[2]) : 0);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    void save(UUID volume, String node, Cursor cursor) {
        try {
            Path tmp = dir.resolve("rebuild.tmp-" + volume + "-" + node);
            Files.writeString(tmp, cursor.lastBlock() + " " + cursor.incarnation() + " " + cursor.resetEpoch());
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
