package io.galleonfs.engine.lsm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * On-disk layout of segment files and their records (all integers little endian, CRC32C as in
 * {@link java.util.zip.CRC32C}). See docs/ARCHITECTURE.md, "Log-structured store".
 *
 * <p>Segment header (32 bytes): magic "GLSG", version, segment id (u64), block size, two reserved u32 (0),
 * CRC32C of bytes [0, 28).
 *
 * <p>Record: a 56-byte header, the payload (a whole block for WRITE and RELOCATE, a name and for CLONE the source
 * volume for the version operations, zeros for PAD, nothing otherwise) and a CRC32C trailer. Version 2: the trailer
 * covers the header and every payload byte except the block itself (a sealed block's nonce and tag are covered), and
 * the block is covered by the header's data CRC, which a scan checks too; so a writer computes one CRC over the block,
 * not two. A record is accepted only if magic, type, length and both CRCs match, so a scan stops exactly at the first
 * torn or never-written record.
 */
final class LogFormat {
    static final int SEGMENT_MAGIC = 0x47534c47; // "GLSG"
    static final int RECORD_MAGIC = 0x52534c47; // "GLSR"
    static final int VERSION = 2;
    static final int SEGMENT_HEADER = 32;
    static final int RECORD_HEADER = 56;
    static final int RECORD_TRAILER = 4;
    /** Length of records without payload (TRIM, DROP). */
    static final int SMALL_RECORD = RECORD_HEADER + RECORD_TRAILER;

    static final byte WRITE = 1;
    static final byte TRIM = 2;
    static final byte RELOCATE = 3;
    static final byte DROP = 4;
    /** Version operations: a small record followed by a payload of at most {@link #MAX_VERSION_PAYLOAD} bytes. */
    static final byte SNAPSHOT = 5;
    static final byte DELETE_SNAPSHOT = 6;
    static final byte RESTORE = 7;
    static final byte CLONE = 8;
    /**
     * Filler a writer appends in a place it reserved but could not fill (its seal failed): it keeps the log contiguous
     * and applies to nothing.
     */
    static final byte PAD = 9;
    /** Snapshot names are at most 255 UTF-8 bytes; a clone adds the 16-byte source volume id. */
    static final int MAX_NAME_BYTES = 255;
    static final int MAX_VERSION_PAYLOAD = 16 + MAX_NAME_BYTES;

    private LogFormat() {
    }

    /** Location of a record: segment id in the high 32 bits, record offset inside the segment in the low 32. */
    static long location(long segment, long offset) {
        return (segment << 32) | offset;
    }

    static long segmentOf(long location) {
        return location >>> 32;
    }

    static long offsetOf(long location) {
        return location & 0xFFFF_FFFFL;
    }

    static int dataRecordLength(int blockSize) {
        return RECORD_HEADER + blockSize + RECORD_TRAILER;
    }

    /** Before the ciphertext of a sealed (encrypted) block: nonce u64 + GCM tag. */
    static final int SEALED_PREFIX = 8 + 16;

    /** A WRITE or RELOCATE of an encrypted volume: nonce, tag, ciphertext; its CRC covers the ciphertext. */
    static int sealedRecordLength(int blockSize) {
        return RECORD_HEADER + SEALED_PREFIX + blockSize + RECORD_TRAILER;
    }

    static boolean isVersionOp(byte type) {
        return type >= SNAPSHOT && type <= CLONE;
    }

    /** Length of the longest record a store of this block size writes (the writer keeps that much buffer room). */
    static int maxRecordLength(int blockSize) {
        return Math.max(sealedRecordLength(blockSize), SMALL_RECORD + MAX_VERSION_PAYLOAD);
    }

    static ByteBuffer segmentHeader(long segmentId, int blockSize) {
        ByteBuffer b = ByteBuffer.allocate(SEGMENT_HEADER).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(SEGMENT_MAGIC).putInt(VERSION).putLong(segmentId).putInt(blockSize).putInt(0).putInt(0);
        b.putInt(crc(b, 0, 28));
        return b.flip();
    }

    /** Checks a segment header read from disk; returns a reason when it is not valid, else null. */
    static String checkSegmentHeader(ByteBuffer b, long expectedId, int blockSize) {
        ByteBuffer h = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (h.remaining() < SEGMENT_HEADER || h.getInt(0) != SEGMENT_MAGIC || h.getInt(28) != crc(h, 0, 28)) {
            return "no valid segment header";
        }
        if (h.getInt(4) != VERSION) {
            return "unsupported segment version " + h.getInt(4);
        }
        if (h.getLong(8) != expectedId) {
            return "header names segment " + h.getLong(8);
        }
        if (h.getInt(16) != blockSize) {
            return "block size " + h.getInt(16) + " differs from the store's " + blockSize;
        }
        return null;
    }

    /**
     * Appends one record at {@code out}'s position (out must be little endian and have room).
     *
     * @param payload the block for WRITE/RELOCATE (its remaining bytes, position unchanged), else null
     */
    static void putRecord(ByteBuffer out, byte type, long seq, UUID volume, long block, long arg, int dataCrc,
                          ByteBuffer payload) {
        int start = out.position();
        int length = payload == null ? SMALL_RECORD : RECORD_HEADER + payload.remaining() + RECORD_TRAILER;
        out.putInt(RECORD_MAGIC).putInt(length).put(type).put((byte) 0).putShort((short) 0).putInt(dataCrc)
                .putLong(seq).putLong(volume.getMostSignificantBits()).putLong(volume.getLeastSignificantBits())
                .putLong(block).putLong(arg);
        if (payload != null) {
            out.put(payload.duplicate());
        }
        out.putInt(recordCrc(out, start, type, length));
    }

    /** A PAD record of {@code length} bytes at {@code out}'s position: a header, zeros, the trailer. */
    static void putPad(ByteBuffer out, long seq, int length) {
        int start = out.position();
        out.putInt(RECORD_MAGIC).putInt(length).put(PAD).put((byte) 0).putShort((short) 0).putInt(0).putLong(seq)
                .putLong(0).putLong(0).putLong(0).putLong(0);
        for (int i = RECORD_HEADER; i < length - RECORD_TRAILER; i++) {
            out.put((byte) 0);
        }
        out.putInt(recordCrc(out, start, PAD, length));
    }

    private static boolean carriesBlock(byte type) {
        return type == WRITE || type == RELOCATE;
    }

    /**
     * The trailer of the record at {@code start}: CRC32C of the header and of the payload bytes that are not the block
     * (the block has its own CRC in the header: for WRITE/RELOCATE only a sealed block's nonce and tag are covered here).
     */
    private static int recordCrc(ByteBuffer buf, int start, byte type, int length) {
        // Block sizes are multiples of 512 and the sealed prefix is 24 bytes: payload % 512 is the prefix (0 or 24).
        int covered = carriesBlock(type) ? RECORD_HEADER + (length - RECORD_HEADER - RECORD_TRAILER) % 512
                : length - RECORD_TRAILER;
        return crc(buf, start, covered);
    }

    /** A record decoded by {@link #parse}; {@code payloadOffset} is relative to the parsed buffer. */
    record Record(byte type, int length, int dataCrc, long seq, UUID volume, long block, long arg, int payloadOffset) {
        int payloadLength() {
            return length - RECORD_HEADER - RECORD_TRAILER;
        }
    }

    /**
     * Decodes the record at absolute index {@code at} of {@code buf} (little endian), or returns null when the
     * bytes there are not one whole valid record (end of log, torn write, corruption).
     */
    static Record parse(ByteBuffer buf, int at, int blockSize) {
        if (buf.limit() - at < SMALL_RECORD || buf.getInt(at) != RECORD_MAGIC) {
            return null;
        }
        int length = buf.getInt(at + 4);
        byte type = buf.get(at + 8);
        int expected = switch (type) {
            case WRITE, RELOCATE -> length == sealedRecordLength(blockSize) ? length : dataRecordLength(blockSize);
            case TRIM, DROP -> SMALL_RECORD;
            case PAD -> length >= SMALL_RECORD && length <= maxRecordLength(blockSize) ? length : -1;
            case SNAPSHOT, DELETE_SNAPSHOT, RESTORE, CLONE ->
                    length > SMALL_RECORD && length <= SMALL_RECORD + MAX_VERSION_PAYLOAD ? length : -1;
            default -> -1;
        };
        if (length != expected || buf.limit() - at < length) {
            return null;
        }
        if (buf.getInt(at + length - RECORD_TRAILER) != recordCrc(buf, at, type, length)) {
            return null;
        }
        if (carriesBlock(type) && buf.getInt(at + 12) != crc(buf, at + length - RECORD_TRAILER - blockSize, blockSize)) {
            return null; // a torn or lost block under a whole header
        }
        UUID volume = new UUID(buf.getLong(at + 24), buf.getLong(at + 32));
        return new Record(type, length, buf.getInt(at + 12), buf.getLong(at + 16), volume, buf.getLong(at + 40),
                buf.getLong(at + 48), at + RECORD_HEADER);
    }

    /** CRC32C of {@code buf[from, from + length)}; does not move the buffer. */
    static int crc(ByteBuffer buf, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().limit(from + length).position(from));
        return (int) crc.getValue();
    }

    /** CRC32C of the remaining bytes of {@code buf}; does not move the buffer. */
    static int crc(ByteBuffer buf) {
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate());
        return (int) crc.getValue();
    }
}
