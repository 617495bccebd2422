package io.galleonfs.engine;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * The checkpointed block metadata of one layer ({@code layer-<id>.idx}), little endian:
 * <pre>
 * u32 magic "GIDX"  u32 version(1)  u64 layerId  u32 blockSize  u32 flags(bit0 = GCM tags present)
 * u32 n1, n1 bytes: RoaringBitmap (portable format) of DATA blocks
 * u32 n2, n2 bytes: RoaringBitmap of ZERO blocks
 * per DATA block, ascending: u32 crc32c, u64 seq, [16 bytes GCM tag]
 * u32 crc32c of every preceding byte
 * </pre>
 */
final class LayerIndexCodec {
    static final int MAGIC = 0x58444947; // "GIDX" read as little endian
    static final int VERSION = 1;
    private static final int FLAG_TAGS = 1;

    private LayerIndexCodec() {
    }

    static void write(Path file, long layerId, int blockSize, LayerDelta delta) throws IOException {
        RoaringBitmap data = new RoaringBitmap();
        RoaringBitmap zero = new RoaringBitmap();
        delta.forEachPresent((block, state) -> (state == LayerDelta.DATA ? data : zero).add(Math.toIntExact(block)));
        data.runOptimize();
        zero.runOptimize();
        AtomicFiles.write(file, raw -> {
            CheckedOutputStream checked = new CheckedOutputStream(raw, new CRC32C());
            DataOutputStream out = new DataOutputStream(checked);
            LittleEndian.writeInt(out, MAGIC);
            LittleEndian.writeInt(out, VERSION);
            LittleEndian.writeLong(out, layerId);
            LittleEndian.writeInt(out, blockSize);
            LittleEndian.writeInt(out, delta.withTags() ? FLAG_TAGS : 0);
            LittleEndian.writeInt(out, data.serializedSizeInBytes());
            data.serialize(out);
            LittleEndian.writeInt(out, zero.serializedSizeInBytes());
            zero.serialize(out);
            PeekableIntIterator it = data.getIntIterator();
            while (it.hasNext()) {
                BlockVersion v = delta.version(Integer.toUnsignedLong(it.next()));
                LittleEndian.writeInt(out, v.crc());
                LittleEndian.writeLong(out, v.seq());
                if (delta.withTags()) {
                    out.write(v.tag());
                }
            }
            out.flush();
            int crc = (int) checked.getChecksum().getValue();
            DataOutputStream trailer = new DataOutputStream(raw);
            LittleEndian.writeInt(trailer, crc);
            trailer.flush();
        });
    }

    /** Loads a layer index; a missing file means the layer held nothing at the last checkpoint. */
    static LayerDelta read(Path file, long layerId, int blockSize, boolean encrypted) throws IOException {
        LayerDelta delta = new LayerDelta(encrypted);
        if (!Files.exists(file)) {
            return delta;
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            CheckedInputStream checked = new CheckedInputStream(raw, new CRC32C());
            DataInputStream in = new DataInputStream(checked);
            if (LittleEndian.readInt(in) != MAGIC || LittleEndian.readInt(in) != VERSION) {
                throw corrupt(file, "bad magic or version");
            }
            if (LittleEndian.readLong(in) != layerId || LittleEndian.readInt(in) != blockSize) {
                throw corrupt(file, "belongs to another layer or block size");
            }
            boolean tags = (LittleEndian.readInt(in) & FLAG_TAGS) != 0;
            if (tags != encrypted) {
                throw corrupt(file, "encryption flag does not match the volume");
            }
            LittleEndian.readInt(in);
            RoaringBitmap data = new RoaringBitmap();
            data.deserialize(in);
            LittleEndian.readInt(in);
            RoaringBitmap zero = new RoaringBitmap();
            zero.deserialize(in);
            PeekableIntIterator it = data.getIntIterator();
            PeekableIntIterator zi = zero.getIntIterator();
            byte[] tag = tags ? new byte[LayerDelta.TAG_BYTES] : null;
            // One ascending pass over both sets fills each chunk by appends; ZERO blocks added after all DATA
            // blocks would land inside sparse chunks and copy them once per block. On a tie ZERO still wins.
            while (it.hasNext() || zi.hasNext()) {
                if (it.hasNext() && (!zi.hasNext() || Integer.compareUnsigned(it.peekNext(), zi.peekNext()) <= 0)) {
                    long block = Integer.toUnsignedLong(it.next());
                    int crc = LittleEndian.readInt(in);
                    long seq = LittleEndian.readLong(in);
                    if (tag != null) {
                        in.readFully(tag);
                    }
                    delta.setData(block, crc, seq, tag);
                } else {
                    delta.setZero(Integer.toUnsignedLong(zi.next()));
                }
            }
            int expected = (int) checked.getChecksum().getValue();
            int stored = LittleEndian.readInt(new DataInputStream(raw));
            if (stored != expected || raw.read() != -1) {
                throw corrupt(file, "checksum mismatch");
            }
            return delta;
        } catch (EOFException e) {
            throw corrupt(file, "truncated");
        }
    }

    private static EngineException corrupt(Path file, String why) {
        return new EngineException("layer index " + file + " is corrupt: " + why);
    }
}
