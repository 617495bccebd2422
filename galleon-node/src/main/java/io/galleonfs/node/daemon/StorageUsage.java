package io.galleonfs.node.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Bytes this node's files occupy under the storage path, and the free space of the file system holding it. */
public record StorageUsage(long usedBytes, long freeBytes) {

    /**
     * Walks the node's own files only: a subtree on another file system (a volume mounted under {@code mounts/}, FUSE or
     * ext4 on it) is skipped, and an entry that cannot be read (a file renamed away during the walk, a mounted file
     * system that fails its reads) is passed over. The walk used to descend into mounts: it counted the files of the
     * users' file systems as the node's, and a broken one failed every daemon status with a 500.
     */
    public static StorageUsage of(Path storage) {
        try {
            FileStore store = Files.getFileStore(storage);
            Object device = deviceOf(storage);
            long[] used = {0};
            Files.walkFileTree(storage, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(storage) && device != null && !device.equals(deviceOf(dir))) {
                        return FileVisitResult.SKIP_SUBTREE; // a mount point: another file system
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        used[0] += allocated(file);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
            return new StorageUsage(used[0], store.getUsableSpace());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure storage path " + storage + ": " + e.getMessage(), e);
        }
    }

    /** The device a path lives on ({@code unix:dev}), or null where the unix view is missing or the path is unreadable. */
    static Object deviceOf(Path p) {
        try {
            return Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Disk blocks actually allocated, so sparse volume files count what they use, not their logical size. */
    private static long allocated(Path file) {
        try {
            Object blocks = Files.getAttribute(file, "unix:blocks");
            if (blocks instanceof Long b) {
                return b * 512;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // the unix view is missing on some platforms: fall back to the logical size below
        }
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
