package io.galleonfs.engine.lsm;

import io.galleonfs.engine.AtomicFiles;
import io.galleonfs.engine.EngineException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * What the log store does not keep about a volume: its size and, when encrypted, its data key. File
 * {@code <root>/volumes/<uuid>.vol}, replaced atomically: magic "GLVV", version 1, uuid (msb, lsb), size in bytes
 * (u64), block size (u32), flags (u32, bit0 encrypted), then for encrypted volumes the AAD volume id (msb, lsb: the
 * volume whose id the sealed blocks are bound to, the clone source's for a clone, which shares its records and key),
 * the key provider's master key id (u16 length + UTF-8) and the wrapped data key (u32 length + bytes); CRC32C of the
 * preceding bytes. Its existence is the volume's: {@link LogEngine} writes it last when creating or cloning and
 * deletes it first when deleting, and drops at open the store's blocks of any volume without one.
 *
 * @param aadVolume null for plain volumes
 */
record VolumeDescriptorFile(UUID id, long sizeBytes, int blockSize, UUID aadVolume, String keyId, byte[] wrappedKey) {
    static final String SUFFIX = ".vol";
    private static final int MAGIC = 0x56564c47; // "GLVV"

    static Path pathOf(Path dir, UUID id) {
        return dir.resolve(id + SUFFIX);
    }

    boolean encrypted() {
        return aadVolume != null;
    }

    VolumeDescriptorFile withSize(long newSize) {
        return new VolumeDescriptorFile(id, newSize, blockSize, aadVolume, keyId, wrappedKey);
    }

    /** The same volume with its data key wrapped by master key {@code newKeyId} (a rotation). */
    VolumeDescriptorFile withKey(String newKeyId, byte[] newWrappedKey) {
        return new VolumeDescriptorFile(id, sizeBytes, blockSize, aadVolume, newKeyId, newWrappedKey);
    }

    void write(Path dir) throws IOException {
        byte[] key = encrypted() ? keyId.getBytes(StandardCharsets.UTF_8) : new byte[0];
        int length = 4 + 4 + 16 + 8 + 4 + 4 + (encrypted() ? 16 + 2 + key.length + 4 + wrappedKey.length : 0) + 4;
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(1).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits())
                .putLong(sizeBytes).putInt(blockSize).putInt(encrypted() ? 1 : 0);
        if (encrypted()) {
            b.putLong(aadVolume.getMostSignificantBits()).putLong(aadVolume.getLeastSignificantBits());
            b.putShort((short) key.length).put(key).putInt(wrappedKey.length).put(wrappedKey);
        }
        b.putInt(LogFormat.crc(b, 0, length - 4));
        AtomicFiles.write(pathOf(dir, id), b.flip());
    }

    static VolumeDescriptorFile read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            if (bytes.length < 44 || b.getInt(bytes.length - 4) != LogFormat.crc(b, 0, bytes.length - 4)
                    || b.getInt() != MAGIC || b.getInt() != 1) {
                throw new EngineException("volume descriptor " + file + " is corrupt");
            }
            UUID id = new UUID(b.getLong(), b.getLong());
            if (!file.getFileName().toString().equals(id + SUFFIX)) {
                throw new EngineException("volume descriptor " + file + " names volume " + id);
            }
            long size = b.getLong();
            int blockSize = b.getInt();
            int flags = b.getInt();
            if ((flags & 1) == 0) {
                return new VolumeDescriptorFile(id, size, blockSize, null, null, null);
            }
            UUID aad = new UUID(b.getLong(), b.getLong());
            byte[] key = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(key);
            byte[] wrapped = new byte[b.getInt()];
            b.get(wrapped);
            return new VolumeDescriptorFile(id, size, blockSize, aad, new String(key, StandardCharsets.UTF_8), wrapped);
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new EngineException("volume descriptor " + file + " is corrupt");
        }
    }
}
