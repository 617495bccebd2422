package io.galleonfs.engine;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** Bytes an unprivileged writer can still allocate on the engine's file system (statvfs f_bavail). */
@FunctionalInterface
public interface FreeSpace {
    long availableBytes() throws IOException;

    /** The file system holding {@code path}. */
    static FreeSpace of(Path path) throws IOException {
        FileStore store = Files.getFileStore(path);
        return store::getUsableSpace;
    }
}
