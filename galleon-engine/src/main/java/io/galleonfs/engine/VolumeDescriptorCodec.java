package io.galleonfs.engine;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * volume.meta, little endian:
 * <pre>
 * u32 magic "GVOL"  u32 version(1)
 * u64 uuid most significant bits, u64 uuid least significant bits
 * u64 sizeBytes  u32 blockSize  u32 flags(bit0 = encrypted)
 * u64 seqReserved  u64 nextLayerId  u64 liveLayerId
 * u16 n, n bytes UTF-8 key provider id      (n = 0 when plain)
 * u32 n, n bytes wrapped data key           (n = 0 when plain)
 * u32 layerCount, then per layer:
 *   u64 id  u64 parentId(0 = root)  u64 createdAtMillis  u8 flags(bit0 = hidden)  u16 n, n bytes UTF-8 snapshot name (0 = none)
 * u32 crc32c of every preceding byte
 * </pre>
 */
final class VolumeDescriptorCodec {
    static final int MAGIC = 0x4c4f5647; // "GVOL" read as little endian
    static final int VERSION = 1;
    static final String FILE_NAME = "volume.meta";

    private VolumeDescriptorCodec() {
    }

    static ByteBuffer encode(VolumeDescriptor d) {
        byte[] provider = d.keyProviderId() == null ? new byte[0] : d.keyProviderId().getBytes(StandardCharsets.UTF_8);
        byte[] wrapped = d.wrappedKey() == null ? new byte[0] : d.wrappedKey();
        int size = 4 + 4 + 16 + 8 + 4 + 4 + 8 + 8 + 8 + 2 + provider.length + 4 + wrapped.length + 4 + 4;
        List<byte[]> names = new ArrayList<>();
        for (LayerRecord r : d.layers()) {
            byte[] name = r.name() == null ? new byte[0] : r.name().getBytes(StandardCharsets.UTF_8);
            names.add(name);
            size += 8 + 8 + 8 + 1 + 2 + name.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION);
        b.putLong(d.id().getMostSignificantBits()).putLong(d.id().getLeastSignificantBits());
        b.putLong(d.sizeBytes()).putInt(d.blockSize()).putInt(d.encrypted() ? 1 : 0);
        b.putLong(d.seqReserved()).putLong(d.nextLayerId()).putLong(d.liveLayerId());
        b.putShort((short) provider.length).put(provider);
        b.putInt(wrapped.length).put(wrapped);
        b.putInt(d.layers().size());
        for (int i = 0; i < d.layers().size(); i++) {
            LayerRecord r = d.layers().get(i);
            byte[] name = names.get(i);
            b.putLong(r.id()).putLong(r.parentId()).putLong(r.createdAtMillis()).put((byte) (r.hidden() ? 1 : 0));
            b.putShort((short) name.length).put(name);
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    static VolumeDescriptor decode(ByteBuffer in, Path source) throws EngineException {
        ByteBuffer b = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        try {
            if (b.remaining() < 8) {
                throw corrupt(source, "truncated");
            }
            CRC32C crc = new CRC32C();
            ByteBuffer body = b.duplicate();
            body.limit(b.limit() - 4);
            crc.update(body);
            if ((int) crc.getValue() != b.getInt(b.limit() - 4)) {
                throw corrupt(source, "checksum mismatch");
            }
            if (b.getInt() != MAGIC || b.getInt() != VERSION) {
                throw corrupt(source, "bad magic or version");
            }
            UUID id = new UUID(b.getLong(), b.getLong());
            long size = b.getLong();
            int blockSize = b.getInt();
            boolean encrypted = (b.getInt() & 1) != 0;
            long seqReserved = b.getLong();
            long nextLayerId = b.getLong();
            long liveLayerId = b.getLong();
            byte[] provider = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(provider);
            byte[] wrapped = new byte[b.getInt()];
            b.get(wrapped);
            int count = b.getInt();
            List<LayerRecord> layers = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long layerId = b.getLong();
                long parent = b.getLong();
                long created = b.getLong();
                boolean hidden = (b.get() & 1) != 0;
                byte[] name = new byte[Short.toUnsignedInt(b.getShort())];
                b.get(name);
                layers.add(new LayerRecord(layerId, parent, created,
                        name.length == 0 ? null : new String(name, StandardCharsets.UTF_8), hidden));
            }
            return new VolumeDescriptor(id, size, blockSize, encrypted,
                    provider.length == 0 ? null : new String(provider, StandardCharsets.UTF_8),
                    wrapped.length == 0 ? null : wrapped, seqReserved, nextLayerId, liveLayerId, layers);
        } catch (BufferUnderflowException | IllegalArgumentException | NegativeArraySizeException e) {
            throw corrupt(source, "truncated");
        }
    }

    static VolumeDescriptor read(Path file) throws IOException {
        return decode(ByteBuffer.wrap(Files.readAllBytes(file)), file);
    }

    static void write(Path file, VolumeDescriptor d) throws IOException {
        AtomicFiles.write(file, encode(d));
    }

    private static EngineException corrupt(Path file, String why) {
        return new EngineException("volume descriptor " + file + " is corrupt: " + why);
    }
}
