package io.galleonfs.engine.lsm;

import io.galleonfs.engine.AtomicFiles;
import io.galleonfs.engine.EngineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * What the log store does not keep about a volume: its size. File {@code <root>/volumes/<uuid>.vol}, replaced
 * atomically: magic "GLVV", version 1, uuid (msb, lsb), size in bytes (u64), block size (u32), flags (u32, 0), CRC32C
 * of the preceding bytes. Its existence is the volume's: {@link LogEngine} writes it last when creating or cloning
 * and deletes it first when deleting, and drops at open the store's blocks of any volume without one.
 */
record VolumeDescriptorFile(UUID id, long sizeBytes, int blockSize) {
    static final String SUFFIX = ".vol";
    private static final int MAGIC = 0x56564c47; // "GLVV"
    private static final int LENGTH = 4 + 4 + 16 + 8 + 4 + 4 + 4;

    static Path pathOf(Path dir, UUID id) {
        return dir.resolve(id + SUFFIX);
    }

    void write(Path dir) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(1).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits())
                .putLong(sizeBytes).putInt(blockSize).putInt(0);
        b.putInt(LogFormat.crc(b, 0, LENGTH - 4));
        AtomicFiles.write(pathOf(dir, id), b.flip());
    }

    static VolumeDescriptorFile read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length != LENGTH || b.getInt(0) != MAGIC || b.getInt(4) != 1
                || b.getInt(LENGTH - 4) != LogFormat.crc(b, 0, LENGTH - 4)) {
            throw new EngineException("volume descriptor " + file + " is corrupt");
        }
        UUID id = new UUID(b.getLong(8), b.getLong(16));
        if (!file.getFileName().toString().equals(id + SUFFIX)) {
            throw new EngineException("volume descriptor " + file + " names volume " + id);
        }
        return new VolumeDescriptorFile(id, b.getLong(24), b.getInt(32));
    }
}
