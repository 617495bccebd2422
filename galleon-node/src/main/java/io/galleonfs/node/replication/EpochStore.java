package io.galleonfs.node.replication;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The highest primary epoch this node has accepted per volume, fsynced before it is relied on, so that a restart
 * never lets a deposed primary's writes in again.
 */
final class EpochStore {
    private final Path dir;
    private final Map<UUID, Long> epochs = new ConcurrentHashMap<>();

    EpochStore(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    long get(UUID volume) {
        return epochs.computeIfAbsent(volume, v -> {
            Path f = dir.resolve(v.toString());
            try {
                return Files.exists(f) ? Long.parseLong(Files.readString(f).trim()) : 0L;
            } catch (IOException | NumberFormatException e) {
                return 0L;
            }
        });
    }

    /** Raises the stored epoch to {@code epoch} if it is higher; durable when it returns. */
    synchronized void raise(UUID volume, long epoch) throws IOException {
        if (epoch <= get(volume)) {
            return;
        }
        Path tmp = dir.resolve(volume + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(Long.toString(epoch).getBytes()));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(volume.toString()), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        epochs.put(volume, epoch);
    }

    void forget(UUID volume) throws IOException {
        epochs.remove(volume);
        Files.deleteIfExists(dir.resolve(volume.toString()));
    }
}
