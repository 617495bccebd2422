package io.galleonfs.node.replication;

import io.galleonfs.node.replication.DataMessage.*;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Data-plane frames, version 1. A frame is a 24-byte header and a payload:
 * <pre>
 *  0  u32 magic 0x474C4E44 ("GLND")     4  u8 version (1)     5  u8 type     6  u16 reserved (0)
 *  8  u64 request id (a response carries its request's id)
 * 16  u32 payload length (at most {@link #MAX_PAYLOAD}, checked before anything is allocated)
 * 20  u32 CRC32C of the payload
 * </pre>
 * Integers are big-endian; a UUID is two u64; a string is u16 length + UTF-8; a byte array is u32 length + bytes.
 * Any violation (bad magic, version, type, length, CRC, trailing or missing bytes) is a {@link ProtocolException}:
 * the connection is closed and nothing of the frame is applied.
 */
public final class DataCodec {
    public static final int MAGIC = 0x474C4E44;
    public static final int VERSION = 1;
    public static final int HEADER = 24;
    /** 8 MiB of block data (the largest client transfer) plus room for the fields around it. */
    public static final int MAX_PAYLOAD = (8 << 20) + 4096;
    private static final int MAX_STRING = 1024;

    private DataCodec() {
    }

    /** Header fields, validated. */
    public record Header(int type, long requestId, int length, int crc) {
    }

    public static Header readHeader(Buffer b) throws ProtocolException {
        if (b.length() != HEADER) {
            throw new ProtocolException("header must be " + HEADER + " bytes");
        }
        if (b.getInt(0) != MAGIC) {
            throw new ProtocolException("bad magic 0x" + Integer.toHexString(b.getInt(0)));
        }
        if (b.getUnsignedByte(4) != VERSION) {
            throw new ProtocolException("unsupported protocol version " + b.getUnsignedByte(4));
        }
        int type = b.getUnsignedByte(5);
        if (Type.of(type) == null) {
            throw new ProtocolException("unknown frame type " + type);
        }
        long length = b.getUnsignedInt(16);
        if (length > MAX_PAYLOAD) {
            throw new ProtocolException("payload of " + length + " bytes exceeds the limit of " + MAX_PAYLOAD);
        }
        return new Header(type, b.getLong(8), (int) length, b.getInt(20));
    }

    /** A message's payload, encoded and checksummed once: a primary sends the same operation to each replica. */
    record Payload(DataMessage message, Type type, Buffer bytes, int crc) {
    }

    /** Payloads from this size on are not copied into their frames but referenced (a 1 MiB write went 2 x per replica). */
    static final int SHARED_PAYLOAD = 16 << 10;

    public static Buffer encode(long requestId, DataMessage m) {
        return frame(requestId, payload(m));
    }

    /** The frame of {@code p} for one request id; a large payload is shared with the payload's other frames, not copied. */
    static Buffer frame(long requestId, Payload p) {
        boolean copy = p.bytes().length() < SHARED_PAYLOAD;
        Buffer header = Buffer.buffer(copy ? HEADER + p.bytes().length() : HEADER);
        header.appendInt(MAGIC).appendUnsignedByte((short) VERSION).appendUnsignedByte((short) p.type().code).appendUnsignedShort(0)
                .appendLong(requestId).appendUnsignedInt(p.bytes().length()).appendInt(p.crc());
        if (copy) {
            return header.appendBuffer(p.bytes());
        }
        return Buffer.buffer(io.netty.buffer.Unpooled.wrappedBuffer(header.getByteBuf(), p.bytes().getByteBuf()));
    }

    /** Bytes of the frame of {@code p}: header and payload. */
    static int frameLength(Payload p) {
        return HEADER + p.bytes().length();
    }

    /** The header of the frame of {@code p} for one request id, into {@code out}. */
    static void writeHeader(ByteBuf out, long requestId, Payload p) {
        out.writeInt(MAGIC).writeByte(VERSION).writeByte(p.type().code).writeShort(0).writeLong(requestId)
                .writeInt(p.bytes().length()).writeInt(p.crc());
    }

    /**
     * Encodes {@code m} once (with its CRC32C). A byte array of at least {@link #SHARED_PAYLOAD} bytes that ends the
     * payload (a write's data, a read's answer) is referenced, not copied: messages are immutable, and the frame is
     * copied into the socket's buffer anyway.
     */
    static Payload payload(DataMessage m) {
        byte[] trailing = switch (m) {
            case ReplicaWrite w -> w.data();
            case ClientWrite c -> c.data();
            case Data d -> d.bytes();
            default -> null;
        };
        boolean shared = trailing != null && trailing.length >= SHARED_PAYLOAD;
        Buffer p = Buffer.buffer(trailing == null ? 64 : shared ? 64 : trailing.length + 64);
        Type type = switch (m) {
            case Hello h -> {
                str(p, h.nodeId());
                p.appendLong(h.incarnation());
                yield Type.HELLO;
            }
            case ReplicaWrite w -> {
                op(p, w.volume(), w.epoch());
                p.appendLong(w.seq()).appendLong(w.offset()).appendByte((byte) (w.durable() ? 1 : 0));
                trailing(p, w.data(), shared);
                yield Type.REPLICA_WRITE;
            }
            case ReplicaTrim t -> {
                op(p, t.volume(), t.epoch());
                p.appendLong(t.seq()).appendLong(t.offset()).appendLong(t.length());
                yield Type.REPLICA_TRIM;
            }
            case ReplicaFlush f -> {
                op(p, f.volume(), f.epoch());
                yield Type.REPLICA_FLUSH;
            }
            case ReplicaSnapshot s -> {
                op(p, s.volume(), s.epoch());
                p.appendLong(s.seq());
                str(p, s.name());
                yield Type.REPLICA_SNAPSHOT;
            }
            case ReplicaDeleteSnapshot s -> {
                op(p, s.volume(), s.epoch());
                p.appendLong(s.seq());
                str(p, s.name());
                yield Type.REPLICA_DELETE_SNAPSHOT;
            }
            case ReplicaRestore s -> {
                op(p, s.volume(), s.epoch());
                p.appendLong(s.seq());
                str(p, s.name());
                yield Type.REPLICA_RESTORE;
            }
            case ReplicaExpand e -> {
                op(p, e.volume(), e.epoch());
                p.appendLong(e.seq()).appendLong(e.sizeBytes());
                yield Type.REPLICA_EXPAND;
            }
            case ReplicaReset r -> {
                op(p, r.volume(), r.epoch());
                p.appendLong(r.sizeBytes()).appendByte((byte) (r.encrypted() ? 1 : 0));
                yield Type.REPLICA_RESET;
            }
            case Fence f -> {
                op(p, f.volume(), f.epoch());
                p.appendLong(f.seq());
                yield Type.FENCE;
            }
            case RebuildMark k -> {
                op(p, k.volume(), k.epoch());
                p.appendLong(k.mark());
                yield Type.REBUILD_MARK;
            }
            case RebuildStateRequest q -> {
                uuid(p, q.volume());
                p.appendLong(q.resetEpoch()).appendLong(q.mark());
                yield Type.REBUILD_STATE_REQUEST;
            }
            case StatusRequest s -> {
                uuid(p, s.volume());
                yield Type.STATUS_REQUEST;
            }
            case BlockRead r -> {
                uuid(p, r.volume());
                p.appendLong(r.offset()).appendInt(r.length());
                yield Type.BLOCK_READ;
            }
            case ChecksumRequest c -> {
                uuid(p, c.volume());
                p.appendLong(c.firstBlock()).appendInt(c.count());
                yield Type.CHECKSUM_REQUEST;
            }
            case ClientRead r -> {
                uuid(p, r.volume());
                p.appendLong(r.offset()).appendInt(r.length());
                str(p, r.snapshot());
                yield Type.CLIENT_READ;
            }
            case ClientWrite w -> {
                uuid(p, w.volume());
                p.appendLong(w.offset()).appendByte((byte) w.level());
                trailing(p, w.data(), shared);
                yield Type.CLIENT_WRITE;
            }
            case ClientFlush f -> {
                uuid(p, f.volume());
                yield Type.CLIENT_FLUSH;
            }
            case ClientTrim t -> {
                uuid(p, t.volume());
                p.appendLong(t.offset()).appendLong(t.length());
                yield Type.CLIENT_TRIM;
            }
            case MetricsRequest r -> Type.METRICS_REQUEST;
            case Ok o -> {
                p.appendLong(o.value());
                yield Type.OK;
            }
            case Data d -> {
                trailing(p, d.bytes(), shared);
                yield Type.DATA;
            }
            case Failure f -> {
                p.appendUnsignedShort(f.code().ordinal());
                str(p, f.message() == null ? "" : truncate(f.message()));
                yield Type.FAILURE;
            }
            case Status s -> {
                p.appendLong(s.appliedSeq()).appendLong(s.epoch()).appendLong(s.incarnation()).appendByte((byte) (s.present() ? 1 : 0));
                yield Type.STATUS;
            }
            case Checksums c -> {
                p.appendInt(c.crcs().length);
                for (int crc : c.crcs()) {
                    p.appendInt(crc);
                }
                yield Type.CHECKSUMS;
            }
        };
        if (shared) {
            p = Buffer.buffer(io.netty.buffer.Unpooled.wrappedBuffer(p.getByteBuf(), io.netty.buffer.Unpooled.wrappedBuffer(trailing)));
        }
        if (p.length() > MAX_PAYLOAD) {
            throw new IllegalArgumentException("message payload of " + p.length() + " bytes exceeds " + MAX_PAYLOAD);
        }
        return new Payload(m, type, p, crc(p));
    }

    /** The byte array that ends a payload: its length, then its bytes unless they are {@code shared} (appended by the caller). */
    private static void trailing(Buffer p, byte[] b, boolean shared) {
        if (shared) {
            p.appendInt(b.length);
        } else {
            bytes(p, b);
        }
    }

    public static DataMessage decode(Header h, Buffer p) throws ProtocolException {
        if (p.length() != h.length()) {
            throw new ProtocolException("payload is " + p.length() + " bytes, header said " + h.length());
        }
        if (crc(p) != h.crc()) {
            throw new ProtocolException("payload checksum mismatch");
        }
        return decode(h, new Reader(p, null));
    }

    /**
     * Where the byte array that ends a payload of this frame type begins (after its u32 length), or -1 if its payload
     * does not end in one: a receiver can put those bytes straight into the array the message keeps (see
     * {@link #decode(Header, Buffer, byte[])}).
     */
    static int trailingBytesAt(int type) {
        Type t = Type.of(type);
        if (t == null) {
            return -1;
        }
        return switch (t) {
            case REPLICA_WRITE -> 16 + 8 + 8 + 8 + 1 + 4;
            case CLIENT_WRITE -> 16 + 8 + 1 + 4;
            case DATA -> 4;
            default -> -1;
        };
    }

    /**
     * {@link #decode(Header, Buffer)} of a payload received in two parts: its fields up to {@link #trailingBytesAt} and
     * the byte array that ends it, which the message takes as it is (not copied). Checked as a whole payload is.
     */
    static DataMessage decode(Header h, Buffer fields, byte[] trailing) throws ProtocolException {
        if ((long) fields.length() + trailing.length != h.length() || fields.length() != trailingBytesAt(h.type())) {
            throw new ProtocolException("payload is " + ((long) fields.length() + trailing.length) + " bytes in parts of "
                    + fields.length() + " and " + trailing.length + ", header said " + h.length());
        }
        CRC32C c = new CRC32C();
        c.update(fields.getByteBuf().nioBuffer());
        c.update(trailing);
        if ((int) c.getValue() != h.crc()) {
            throw new ProtocolException("payload checksum mismatch");
        }
        return decode(h, new Reader(fields, trailing));
    }

    private static DataMessage decode(Header h, Reader r) throws ProtocolException {
        DataMessage m = switch (Type.of(h.type())) {
            case HELLO -> new Hello(r.str(), r.i64());
            case REPLICA_WRITE -> new ReplicaWrite(r.uuid(), r.i64(), r.i64(), r.i64(), r.bool(), r.bytes());
            case REPLICA_TRIM -> new ReplicaTrim(r.uuid(), r.i64(), r.i64(), r.i64(), r.i64());
            case REPLICA_FLUSH -> new ReplicaFlush(r.uuid(), r.i64());
            case REPLICA_SNAPSHOT -> new ReplicaSnapshot(r.uuid(), r.i64(), r.i64(), r.str());
            case REPLICA_DELETE_SNAPSHOT -> new ReplicaDeleteSnapshot(r.uuid(), r.i64(), r.i64(), r.str());
            case REPLICA_RESTORE -> new ReplicaRestore(r.uuid(), r.i64(), r.i64(), r.str());
            case REPLICA_EXPAND -> new ReplicaExpand(r.uuid(), r.i64(), r.i64(), r.i64());
            case REPLICA_RESET -> new ReplicaReset(r.uuid(), r.i64(), r.i64(), r.bool());
            case FENCE -> new Fence(r.uuid(), r.i64(), r.i64());
            case REBUILD_MARK -> new RebuildMark(r.uuid(), r.i64(), r.i64());
            case REBUILD_STATE_REQUEST -> new RebuildStateRequest(r.uuid(), r.i64(), r.i64());
            case STATUS_REQUEST -> new StatusRequest(r.uuid());
            case BLOCK_READ -> new BlockRead(r.uuid(), r.i64(), r.length());
            case CHECKSUM_REQUEST -> new ChecksumRequest(r.uuid(), r.i64(), r.count());
            case CLIENT_READ -> new ClientRead(r.uuid(), r.i64(), r.length(), r.str());
            case CLIENT_WRITE -> new ClientWrite(r.uuid(), r.i64(), r.level(), r.bytes());
            case CLIENT_FLUSH -> new ClientFlush(r.uuid());
            case CLIENT_TRIM -> new ClientTrim(r.uuid(), r.i64(), r.i64());
            case METRICS_REQUEST -> new MetricsRequest();
            case OK -> new Ok(r.i64());
            case DATA -> new Data(r.bytes());
            case FAILURE -> new Failure(ErrorCode.of(r.u16()), r.str());
            case STATUS -> new Status(r.i64(), r.i64(), r.i64(), r.bool());
            case CHECKSUMS -> {
                int n = r.count();
                int[] crcs = new int[n];
                for (int i = 0; i < n; i++) {
                    crcs[i] = r.i32();
                }
                yield new Checksums(crcs);
            }
        };
        r.requireEnd();
        return m;
    }

    private static void op(Buffer p, UUID volume, long epoch) {
        uuid(p, volume);
        p.appendLong(epoch);
    }

    private static void uuid(Buffer p, UUID id) {
        p.appendLong(id.getMostSignificantBits()).appendLong(id.getLeastSignificantBits());
    }

    private static void str(Buffer p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_STRING) {
            throw new IllegalArgumentException("string field longer than " + MAX_STRING + " bytes");
        }
        p.appendUnsignedShort(b.length).appendBytes(b);
    }

    private static String truncate(String s) {
        return s.length() > 300 ? s.substring(0, 300) : s;
    }

    private static void bytes(Buffer p, byte[] b) {
        p.appendInt(b.length).appendBytes(b);
    }

    static int crc(Buffer p) {
        CRC32C c = new CRC32C();
        for (java.nio.ByteBuffer part : p.getByteBuf().nioBuffers()) { // a shared payload is two parts: not merged into a copy
            c.update(part);
        }
        return (int) c.getValue();
    }

    /** Bounds-checked reads: a short or lying payload is a protocol error, never an index exception. */
    private static final class Reader {
        private final Buffer b;
        /** The payload's last byte array when it was received apart from {@link #b} (null otherwise or once read). */
        private byte[] trailing;
        private int pos;

        Reader(Buffer b, byte[] trailing) {
            this.b = b;
            this.trailing = trailing;
        }

        private void need(int n) throws ProtocolException {
            if (n < 0 || b.length() - pos < n) {
                throw new ProtocolException("payload ends early");
            }
        }

        long i64() throws ProtocolException {
            need(8);
            long v = b.getLong(pos);
            pos += 8;
            return v;
        }

        int i32() throws ProtocolException {
            need(4);
            int v = b.getInt(pos);
            pos += 4;
            return v;
        }

        int u16() throws ProtocolException {
            need(2);
            int v = b.getUnsignedShort(pos);
            pos += 2;
            return v;
        }

        boolean bool() throws ProtocolException {
            need(1);
            byte v = b.getByte(pos++);
            if (v != 0 && v != 1) {
                throw new ProtocolException("flag byte must be 0 or 1");
            }
            return v == 1;
        }

        UUID uuid() throws ProtocolException {
            return new UUID(i64(), i64());
        }

        String str() throws ProtocolException {
            int n = u16();
            if (n > MAX_STRING) {
                throw new ProtocolException("string of " + n + " bytes is too long");
            }
            need(n);
            String s = b.getString(pos, pos + n, "UTF-8");
            pos += n;
            return s;
        }

        byte[] bytes() throws ProtocolException {
            int n = i32();
            if (trailing != null && pos == b.length()) {
                if (n != trailing.length) {
                    throw new ProtocolException("byte array of " + n + " bytes, " + trailing.length + " arrived");
                }
                byte[] v = trailing;
                trailing = null;
                return v;
            }
            need(n);
            byte[] v = b.getBytes(pos, pos + n);
            pos += n;
            return v;
        }

        int level() throws ProtocolException {
            need(1);
            int v = b.getUnsignedByte(pos++);
            if (v > 3) {
                throw new ProtocolException("write level " + v + " is outside 0..3");
            }
            return v;
        }

        int length() throws ProtocolException {
            int n = i32();
            if (n < 0 || n > (8 << 20)) {
                throw new ProtocolException("length " + n + " is outside 0.." + (8 << 20));
            }
            return n;
        }

        int count() throws ProtocolException {
            int n = i32();
            if (n < 0 || n > (1 << 16)) {
                throw new ProtocolException("count " + n + " is outside 0..65536");
            }
            return n;
        }

        void requireEnd() throws ProtocolException {
            if (pos != b.length()) {
                throw new ProtocolException((b.length() - pos) + " unexpected trailing bytes");
            }
            if (trailing != null) {
                throw new ProtocolException(trailing.length + " unexpected trailing bytes");
            }
        }
    }

    enum Type {
        HELLO(1), REPLICA_WRITE(10), REPLICA_TRIM(11), REPLICA_FLUSH(12), REPLICA_SNAPSHOT(13), REPLICA_DELETE_SNAPSHOT(14),
        REPLICA_RESTORE(15), REPLICA_EXPAND(16), REPLICA_RESET(17), FENCE(18), STATUS_REQUEST(19), BLOCK_READ(20),
        CHECKSUM_REQUEST(21), REBUILD_MARK(22), REBUILD_STATE_REQUEST(23), CLIENT_READ(30), CLIENT_WRITE(31), CLIENT_FLUSH(32), CLIENT_TRIM(33),
        METRICS_REQUEST(40),
        OK(100), DATA(101), FAILURE(102), STATUS(103), CHECKSUMS(104);

        final int code;

        Type(int code) {
            this.code = code;
        }

        /** By code: {@code values()} copies its array on every call, and every frame looks its type up three times. */
        private static final Type[] BY_CODE = new Type[256];

        static {
            for (Type t : values()) {
                BY_CODE[t.code] = t;
            }
        }

        /** The type with this code, or null (any int, so a header's byte or a caller's bad value alike). */
        static Type of(int code) {
            return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        }
    }
}
