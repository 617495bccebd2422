package io.galleonfs.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.roaringbitmap.RoaringBitmap;

/**
 * Journal record, little endian:
 * <pre>
 * off size
 *   0  4  magic "GJRN"
 *   4  4  total record length (header + payload + trailer)
 *   8  1  type: 1 WRITE, 2 ZERO, 3 TRIM
 *   9 16  volume uuid (msb u64, lsb u64)
 *  25  8  layer id
 *  33  8  block index (TRIM: first block)
 *  41  8  seq (GCM nonce of the stored bytes; 0 for ZERO and TRIM)
 *  49  4  crc32c the block's stored bytes must match (WRITE), 0 otherwise
 *  53 16  GCM tag (zeros when plain)
 *  69  n  payload: WRITE = the stored block; ZERO = none; TRIM = u64 count, u32 m, m bytes RoaringBitmap of blocks that become ZERO
 * 69+n 4  crc32c of bytes [0, 69+n)
 * </pre>
 */
final class JournalCodec {
    static final int MAGIC = 0x4e524a47; // "GJRN" read as little endian
    static final int HEADER_BYTES = 69;
    static final int TRAILER_BYTES = 4;
    static final byte WRITE = 1;
    static final byte ZERO = 2;
    static final byte TRIM = 3;
    /** Trim records cover at most this many blocks, which bounds their bitmap to a few KiB. */
    static final int TRIM_SEGMENT_BLOCKS = 1 << 16;
    static final int MAX_RECORD_BYTES = HEADER_BYTES + EngineConfig.MAX_BLOCK_SIZE + TRAILER_BYTES;

    private static final byte[] NO_TAG = new byte[LayerDelta.TAG_BYTES];

    private JournalCodec() {
    }

    static ByteBuffer[] encode(byte type, UUID volume, long layerId, long block, long seq, int payloadCrc,
                               byte[] tag, ByteBuffer payload) {
        int total = HEADER_BYTES + payload.remaining() + TRAILER_BYTES;
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(MAGIC).putInt(total).put(type)
                .putLong(volume.getMostSignificantBits()).putLong(volume.getLeastSignificantBits())
                .putLong(layerId).putLong(block).putLong(seq).putInt(payloadCrc)
                .put(tag == null ? NO_TAG : tag)
                .flip();
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate());
        crc.update(payload.duplicate());
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        trailer.putInt((int) crc.getValue()).flip();
        return new ByteBuffer[]{header, payload.duplicate(), trailer};
    }

    static ByteBuffer[] encodeBlock(UUID volume, PendingBlock p) {
        if (p.zero()) {
            return encode(ZERO, volume, p.layer().id, p.block(), 0, 0, null, ByteBuffer.allocate(0));
        }
        return encode(WRITE, volume, p.layer().id, p.block(), p.seq(), p.crc(), p.tag(), p.stored());
    }

    static ByteBuffer[] encodeTrim(UUID volume, long layerId, long firstBlock, long count, RoaringBitmap zeroBlocks) {
        int bitmapBytes = zeroBlocks.serializedSizeInBytes();
        ByteBuffer payload = ByteBuffer.allocate(8 + 4 + bitmapBytes).order(ByteOrder.LITTLE_ENDIAN);
        payload.putLong(count).putInt(bitmapBytes);
        zeroBlocks.serialize(payload);
        payload.flip();
        return encode(TRIM, volume, layerId, firstBlock, 0, 0, null, payload);
    }

    /** A record read back from a journal file. */
    record Decoded(byte type, UUID volume, long layerId, long block, long seq, int payloadCrc, byte[] tag,
                   ByteBuffer payload) {
        long trimCount() {
            return payload.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        }

        RoaringBitmap trimZeroBlocks() throws java.io.IOException {
            ByteBuffer b = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int n = b.getInt(8);
            RoaringBitmap bitmap = new RoaringBitmap();
            ByteBuffer bytes = b.position(12).limit(12 + n).slice().order(ByteOrder.LITTLE_ENDIAN);
            bitmap.deserialize(bytes);
            return bitmap;
        }
    }

    /**
     * Decodes the record at the start of {@code buf} (which must hold the whole record).
     *
     * @return null if the bytes are not an intact record (torn tail)
     */
    static Decoded decode(ByteBuffer buf) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int total = b.getInt(4);
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().limit(b.position() + total - TRAILER_BYTES));
        if ((int) crc.getValue() != b.getInt(b.position() + total - TRAILER_BYTES)) {
            return null;
        }
        b.getInt();
        b.getInt();
        byte type = b.get();
        UUID volume = new UUID(b.getLong(), b.getLong());
        long layer = b.getLong();
        long block = b.getLong();
        long seq = b.getLong();
        int payloadCrc = b.getInt();
        byte[] tag = new byte[LayerDelta.TAG_BYTES];
        b.get(tag);
        ByteBuffer payload = b.slice(b.position(), total - HEADER_BYTES - TRAILER_BYTES);
        return new Decoded(type, volume, layer, block, seq, payloadCrc, tag, payload);
    }
}
