package io.galleonfs.node.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive OS lock on {@code <storage>/node.lock}, held for the daemon's lifetime so that two daemons can never
 * open the same storage path. The kernel drops it when the process dies, so a {@code kill -9} leaves no stale lock.
 */
public final class StorageLock {
    private static final Map<Path, FileLock> HELD = new ConcurrentHashMap<>();

    private StorageLock() {
    }

    /** Idempotent within one JVM. @throws IllegalStateException naming the holder when another process has it */
    public static synchronized void acquire(Path storage) throws IOException {
        Path file = storage.resolve("node.lock");
        if (HELD.containsKey(file)) {
            return;
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
            ch.close();
            throw new IllegalStateException("storage path " + storage + " is in use by another GalleonFS daemon"
                    + (holder.isEmpty() ? "" : " (pid " + holder + ")"));
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
        HELD.put(file, lock);
    }

    public static synchronized void release(Path storage) throws IOException {
        FileLock lock = HELD.remove(storage.resolve("node.lock"));
        if (lock != null) {
            lock.release();
            lock.channel().close();
        }
    }
}
