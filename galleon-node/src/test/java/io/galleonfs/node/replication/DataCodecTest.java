package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.replication.DataMessage.*;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class DataCodecTest {
    private static final UUID VOL = UUID.fromString("0b5e4a2c-3b7e-4c1e-9f57-0d3c2a1b9e11");

    private static List<DataMessage> samples() {
        byte[] data = new byte[4096];
        new Random(1).nextBytes(data);
        return List.of(new Hello("node-a", 42), new ReplicaWrite(VOL, 3, 17, 8192, true, data), new ReplicaTrim(VOL, 3, 18, 0, 1 << 20),
                new ReplicaFlush(VOL, 3), new ReplicaSnapshot(VOL, 3, 19, "s1"), new ReplicaDeleteSnapshot(VOL, 3, 20, "s1"),
                new ReplicaRestore(VOL, 3, 21, "s1"), new ReplicaExpand(VOL, 3, 22, 1L << 30), new ReplicaReset(VOL, 4, 1L << 30, true),
                new Fence(VOL, 5, 22), new RebuildMark(VOL, 5, 4095), new RebuildStateRequest(VOL, 5, 4095), new StatusRequest(VOL), new BlockRead(VOL, 4096, 4096), new ChecksumRequest(VOL, 10, 256),
                new ClientRead(VOL, 0, 65536, "snap"), new ClientWrite(VOL, 4096, 2, data), new ClientFlush(VOL),
                new ClientTrim(VOL, 0, 8192), new MetricsRequest(), new Ok(9), new Data(data), new Failure(ErrorCode.STALE_EPOCH, "deposed"),
                new Status(22, 5, 42, true), new Checksums(new int[] {1, 2, 3}));
    }

    /** Records with arrays compare by identity; compare their encodings instead. */
    @Test
    void everyMessageRoundTrips() throws Exception {
        for (DataMessage m : samples()) {
            Buffer frame = DataCodec.encode(7, m);
            DataCodec.Header h = DataCodec.readHeader(frame.slice(0, DataCodec.HEADER));
            assertEquals(7, h.requestId());
            DataMessage back = DataCodec.decode(h, frame.slice(DataCodec.HEADER, frame.length()).copy());
            assertEquals(m.getClass(), back.getClass());
            assertArrayEquals(frame.getBytes(), DataCodec.encode(7, back).getBytes(), m.getClass().getSimpleName());
        }
    }

    /**
     * A payload that ends in a byte array decodes the same from its fields and that array received apart, and the
     * message keeps the array it was given (the receiver's copy is the only one); every other type has no such split.
     */
    @Test
    void aPayloadEndingInBytesDecodesFromItsTwoParts() throws Exception {
        int split = 0;
        for (DataMessage m : samples()) {
            Buffer frame = DataCodec.encode(7, m);
            DataCodec.Header h = DataCodec.readHeader(frame.slice(0, DataCodec.HEADER));
            int at = DataCodec.trailingBytesAt(h.type());
            byte[] expected = switch (m) {
                case ReplicaWrite w -> w.data();
                case ClientWrite w -> w.data();
                case Data d -> d.bytes();
                default -> null;
            };
            if (expected == null) {
                assertEquals(-1, at, m.getClass().getSimpleName());
                continue;
            }
            split++;
            Buffer fields = frame.getBuffer(DataCodec.HEADER, DataCodec.HEADER + at);
            byte[] trailing = frame.getBytes(DataCodec.HEADER + at, frame.length());
            assertArrayEquals(expected, trailing, "the split point of " + m.getClass().getSimpleName());
            DataMessage back = DataCodec.decode(h, fields, trailing);
            assertArrayEquals(frame.getBytes(), DataCodec.encode(7, back).getBytes(), m.getClass().getSimpleName());
            byte[] kept = switch (back) {
                case ReplicaWrite w -> w.data();
                case ClientWrite w -> w.data();
                case Data d -> d.bytes();
                default -> null;
            };
            assertTrue(kept == trailing, "not copied: " + m.getClass().getSimpleName());

            byte[] corrupt = trailing.clone();
            corrupt[corrupt.length / 2] ^= 1;
            assertEquals("payload checksum mismatch",
                    assertThrows(ProtocolException.class, () -> DataCodec.decode(h, fields, corrupt)).getMessage());
            byte[] longer = java.util.Arrays.copyOf(trailing, trailing.length + 1);
            assertThrows(ProtocolException.class, () -> DataCodec.decode(h, fields, longer));
            assertThrows(ProtocolException.class, () -> DataCodec.decode(h, frame.getBuffer(DataCodec.HEADER, DataCodec.HEADER + at - 1),
                    frame.getBytes(DataCodec.HEADER + at - 1, frame.length())));
            // A lying length field inside the fields (CRC made to match) is refused, not read past.
            Buffer lying = fields.copy();
            lying.setInt(at - 4, trailing.length - 1);
            CRC32C c = new CRC32C();
            c.update(lying.getBytes());
            c.update(trailing);
            DataCodec.Header relabelled = new DataCodec.Header(h.type(), h.requestId(), h.length(), (int) c.getValue());
            assertThrows(ProtocolException.class, () -> DataCodec.decode(relabelled, lying, trailing));
        }
        assertEquals(3, split, "write, client write and data");
    }

    @Test
    void framesAreSplitWhateverTheChunking() {
        List<DataMessage> got = new ArrayList<>();
        FrameReader reader = new FrameReader(new FrameReader.FrameHandler() {
            @Override
            public void frame(long requestId, DataMessage message) {
                got.add(message);
            }

            @Override
            public void malformed(ProtocolException e) {
                throw new AssertionError(e);
            }
        });
        Buffer all = Buffer.buffer();
        samples().forEach(m -> all.appendBuffer(DataCodec.encode(1, m)));
        Random rnd = new Random(2);
        int pos = 0;
        while (pos < all.length()) {
            int n = Math.min(all.length() - pos, 1 + rnd.nextInt(700));
            reader.feed(all.slice(pos, pos + n).copy());
            pos += n;
        }
        assertEquals(samples().size(), got.size());
    }

    @Test
    void corruptPayloadIsRefusedByItsCrc() {
        Buffer frame = DataCodec.encode(1, new ReplicaWrite(VOL, 1, 1, 0, false, new byte[4096]));
        frame.setByte(DataCodec.HEADER + 100, (byte) 1);
        ProtocolException e = assertThrows(ProtocolException.class, () -> DataCodec.decode(
                DataCodec.readHeader(frame.slice(0, DataCodec.HEADER)), frame.slice(DataCodec.HEADER, frame.length())));
        assertEquals("payload checksum mismatch", e.getMessage());
    }

    @Test
    void hugeLengthIsRefusedBeforeAllocation() {
        Buffer h = Buffer.buffer().appendInt(DataCodec.MAGIC).appendUnsignedByte((short) 1).appendUnsignedByte((short) 10)
                .appendUnsignedShort(0).appendLong(1).appendUnsignedInt(0xFFFF_FFF0L).appendInt(0);
        ProtocolException e = assertThrows(ProtocolException.class, () -> DataCodec.readHeader(h));
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    }

    /** Random bytes, and valid headers over random payloads, only ever give ProtocolException: never another exception. */
    @Test
    void garbageNeverEscapesAsAnotherException() {
        Random rnd = new Random(3);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] payload = new byte[rnd.nextInt(120)];
            rnd.nextBytes(payload);
            Buffer p = Buffer.buffer(payload);
            int type = List.of(1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 30, 31, 32, 33, 100, 101, 102, 103, 104).get(rnd.nextInt(22));
            DataCodec.Header h = new DataCodec.Header(type, i, payload.length, DataCodec.crc(p));
            try {
                DataCodec.decode(h, p);
            } catch (ProtocolException expected) {
                refused++;
            }
            Buffer header = Buffer.buffer(new byte[DataCodec.HEADER]);
            rnd.nextBytes(header.getBytes());
            byte[] raw = new byte[DataCodec.HEADER];
            rnd.nextBytes(raw);
            try {
                DataCodec.readHeader(Buffer.buffer(raw));
            } catch (ProtocolException expected) {
                refused++;
            }
        }
        assertTrue(refused > 20_000, "most garbage is refused: " + refused);
    }
}
