package io.galleonfs.node.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Bytes this node's files occupy under the storage path, and the free space of the file system holding it. */
public record StorageUsage(long usedBytes, long freeBytes) {

    public static StorageUsage of(Path storage) {
        try {
            FileStore store = Files.getFileStore(storage);
            long used;
            try (Stream<Path> files = Files.walk(storage)) {
                used = files.filter(Files::isRegularFile).mapToLong(StorageUsage::allocated).sum();
            } catch (UncheckedIOException vanished) {
                // a temporary file was renamed away during the walk: count again, once
                try (Stream<Path> files = Files.walk(storage)) {
                    used = files.filter(Files::isRegularFile).mapToLong(StorageUsage::allocated).sum();
                }
            }
            return new StorageUsage(used, store.getUsableSpace());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure storage path " + storage + ": " + e.getMessage(), e);
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
