package io.galleonfs.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive lock on {@code root/engine.lock}: two engines replaying and appending to one journal would
 * corrupt each other. The operating system drops the lock when the process dies, so kill -9 never leaves
 * a stale lock behind.
 */
public final class RootLock {
    static final String FILE_NAME = "engine.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RootLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static RootLock acquire(Path root) throws IOException {
        FileChannel ch = FileChannel.open(root.resolve(FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                throw new EngineException("storage root " + root + " is in use by another process");
            }
            return new RootLock(ch, lock);
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw new EngineException("storage root " + root + " is already open in this process");
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public void release() throws IOException {
        if (channel.isOpen()) {
            lock.release();
            channel.close();
        }
    }
}
