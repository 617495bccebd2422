package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.roaringbitmap.RoaringBitmap;

class CodecTest {
    @TempDir
    Path tmp;

    private static ByteBuffer concat(ByteBuffer[] parts) {
        int n = 0;
        for (ByteBuffer p : parts) {
            n += p.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(n);
        for (ByteBuffer p : parts) {
            out.put(p.duplicate());
        }
        return out.flip();
    }

    @Test
    void journalRecordRoundTripAndCorruptionDetection() throws Exception {
        UUID volume = UUID.randomUUID();
        byte[] tag = TestSupport.pattern(1, 16);
        byte[] payload = TestSupport.pattern(2, 512);
        ByteBuffer record = concat(JournalCodec.encode(JournalCodec.WRITE, volume, 7, 123456789L, 42, 0xCAFE, tag,
                ByteBuffer.wrap(payload)));
        assertEquals(JournalCodec.HEADER_BYTES + 512 + JournalCodec.TRAILER_BYTES, record.remaining());
        JournalCodec.Decoded d = JournalCodec.decode(record);
        assertEquals(JournalCodec.WRITE, d.type());
        assertEquals(volume, d.volume());
        assertEquals(7, d.layerId());
        assertEquals(123456789L, d.block());
        assertEquals(42, d.seq());
        assertEquals(0xCAFE, d.payloadCrc());
        assertArrayEquals(tag, d.tag());
        byte[] back = new byte[512];
        d.payload().duplicate().get(back);
        assertArrayEquals(payload, back);
        for (int i : new int[]{0, 8, 30, 100, record.remaining() - 1}) {
            ByteBuffer bad = ByteBuffer.allocate(record.remaining()).put(record.duplicate()).flip();
            bad.put(i, (byte) (bad.get(i) ^ 1));
            if (i >= 8) {
                assertNull(JournalCodec.decode(bad), "flip at " + i);
            }
        }
    }

    @Test
    void trimRecordCarriesItsBitmap() {
        RoaringBitmap zeros = RoaringBitmap.bitmapOf(3, 4, 5, 60000);
        JournalCodec.Decoded d = JournalCodec.decode(concat(JournalCodec.encodeTrim(UUID.randomUUID(), 2, 0, 65536, zeros)));
        assertEquals(JournalCodec.TRIM, d.type());
        assertEquals(65536, d.trimCount());
        assertEquals(zeros, assertDoesNotThrowBitmap(d));
    }

    private static RoaringBitmap assertDoesNotThrowBitmap(JournalCodec.Decoded d) {
        try {
            return d.trimZeroBlocks();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void descriptorRoundTrip() throws Exception {
        VolumeDescriptor d = new VolumeDescriptor(UUID.randomUUID(), 1L << 40, 4096, true, "file:abc",
                TestSupport.pattern(3, 61), 1L << 21, 9, 8,
                List.of(new LayerRecord(1, 0, 1000, "snap-ü", false), new LayerRecord(5, 1, 2000, null, true),
                        new LayerRecord(8, 5, 3000, null, false)));
        Path file = tmp.resolve("volume.meta");
        VolumeDescriptorCodec.write(file, d);
        VolumeDescriptor back = VolumeDescriptorCodec.read(file);
        assertEquals(d.id(), back.id());
        assertEquals(d.sizeBytes(), back.sizeBytes());
        assertEquals(d.layers(), back.layers());
        assertArrayEquals(d.wrappedKey(), back.wrappedKey());
        assertEquals(d.keyProviderId(), back.keyProviderId());
        assertEquals(d.seqReserved(), back.seqReserved());
        assertEquals(8, back.liveLayerId());
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Files.write(file, bytes);
        assertThrows(EngineException.class, () -> VolumeDescriptorCodec.read(file));
        Files.write(file, new byte[3]);
        assertThrows(EngineException.class, () -> VolumeDescriptorCodec.read(file));
    }

    @Test
    void layerIndexRoundTrip() throws Exception {
        LayerDelta delta = new LayerDelta(true);
        for (long b = 0; b < 5000; b += 3) {
            delta.setData(b, (int) b * 31, b + 100, TestSupport.pattern(b, 16));
        }
        delta.setZero(1);
        delta.setZero(4_000_000);
        Path file = tmp.resolve("layer-3.idx");
        LayerIndexCodec.write(file, 3, 4096, delta);
        LayerDelta back = LayerIndexCodec.read(file, 3, 4096, true);
        assertEquals(delta.dataBlocks(), back.dataBlocks());
        for (long b = 0; b < 5000; b++) {
            assertEquals(delta.state(b), back.state(b), "block " + b);
            BlockVersion v = delta.version(b);
            if (v != null) {
                BlockVersion w = back.version(b);
                assertEquals(v.crc(), w.crc());
                assertEquals(v.seq(), w.seq());
                assertArrayEquals(v.tag(), w.tag());
            }
        }
        assertEquals(LayerDelta.ZERO, back.state(4_000_000));
        assertThrows(EngineException.class, () -> LayerIndexCodec.read(file, 4, 4096, true));
        assertThrows(EngineException.class, () -> LayerIndexCodec.read(file, 3, 4096, false));
        assertEquals(0, LayerIndexCodec.read(tmp.resolve("missing.idx"), 9, 4096, false).dataBlocks());
    }

    @Test
    void deltaFreesEmptyChunks() throws Exception {
        LayerDelta delta = new LayerDelta(false);
        delta.setData(5000, 1, 1, null);
        delta.setZero(5001);
        delta.clear(5000);
        delta.clear(5001);
        assertEquals(0, delta.dataBlocks());
        assertEquals(false, delta.anyPresent(0, 1 << 20));
        delta.setData(5002, 2, 2, null);
        assertEquals(true, delta.anyPresent(5002, 5003));
        assertEquals(false, delta.anyPresent(5003, 6000));
    }
}
