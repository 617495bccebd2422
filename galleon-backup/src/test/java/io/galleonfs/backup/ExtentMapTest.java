package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Extent maps against a byte-level model: every volume byte resolves to (chunk, position in chunk) or zero. Overlay
 * must equal "delta where the delta covers, base elsewhere, cut at the new size"; the codec must round-trip. Cases are
 * generated from fixed seeds (each run tries the same ones; a failure names its seed).
 */
class ExtentMapTest {
    private static final int VOLUME = 256;

    /** One extent spec: start, length, chunk number (-1 = zero), chunk offset. */
    record Spec(int start, int length, int chunk, int chunkOffset) {
    }

    static byte[] id(int chunk) {
        byte[] id = new byte[32];
        id[0] = (byte) chunk;
        id[5] = (byte) (chunk * 7 + 1);
        return id;
    }

    /** Builds a map from specs, skipping those that would overlap the previous one. */
    static ExtentMap build(List<Spec> specs, boolean allowZero) {
        ExtentMap.Builder b = ExtentMap.builder();
        int end = 0;
        for (Spec s : specs.stream().sorted((x, y) -> Integer.compare(x.start(), y.start())).toList()) {
            if (s.start() < end || s.start() + s.length() > VOLUME) {
                continue;
            }
            if (s.chunk() < 0) {
                if (allowZero) {
                    b.addZero(s.start(), s.length());
                    end = s.start() + s.length();
                }
                continue;
            }
            b.add(s.start(), s.length(), id(s.chunk()), s.chunkOffset());
            end = s.start() + s.length();
        }
        return b.build();
    }

    /** Per byte: -1 = not covered, -2 = zero extent, else chunk * 100000 + position. */
    static long[] model(ExtentMap m) {
        long[] out = new long[VOLUME];
        Arrays.fill(out, -1);
        for (int i = 0; i < m.extentCount(); i++) {
            for (int k = 0; k < m.length(i); k++) {
                int ref = m.chunkRef(i);
                out[(int) m.volumeOffset(i) + k] = ref == ExtentMap.ZERO ? -2
                        : (m.chunkId(ref)[0] & 0xFF) * 100000L + m.chunkOffset(i) + k;
            }
        }
        return out;
    }

    /** Up to 20 random extent specs: start 0..VOLUME-1, length 1..40, chunk -1..5, chunk offset 0..1000. */
    static List<Spec> specs(Random r) {
        int n = r.nextInt(21);
        List<Spec> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Spec(r.nextInt(VOLUME), 1 + r.nextInt(40), r.nextInt(7) - 1, r.nextInt(1001)));
        }
        return out;
    }

    static LongStream seeds500() {
        return LongStream.range(0, 500);
    }

    static LongStream seeds300() {
        return LongStream.range(1000, 1300);
    }

    static LongStream seeds100() {
        return LongStream.range(2000, 2100);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds500")
    void overlayEqualsTheByteModel(long seed) {
        Random r = new Random(seed);
        List<Spec> base = specs(r);
        List<Spec> delta = specs(r);
        int newSize = r.nextInt(VOLUME + 1);
        ExtentMap b = build(base, false);
        ExtentMap d = build(delta, true);
        ExtentMap result = b.overlay(d, newSize);
        long[] expect = model(b);
        long[] deltaModel = model(d);
        for (int x = 0; x < VOLUME; x++) {
            if (deltaModel[x] != -1) {
                expect[x] = deltaModel[x] == -2 ? -1 : deltaModel[x];
            }
            if (x >= newSize) {
                expect[x] = -1;
            }
        }
        assertArrayEquals(expect, model(result));
        for (int i = 0; i < result.extentCount(); i++) {
            assertEquals(true, result.chunkRef(i) != ExtentMap.ZERO, "overlay output holds no zero extents");
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds300")
    void codecRoundTrips(long seed) throws IOException {
        ExtentMap m = build(specs(new Random(seed)), true);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        m.writeTo(new DataOutputStream(bos));
        ExtentMap back = ExtentMap.readFrom(new DataInputStream(new ByteArrayInputStream(bos.toByteArray())));
        assertArrayEquals(model(m), model(back));
        assertArrayEquals(m.digest(), back.digest());
        assertEquals(m.referencedBytes(), back.referencedBytes());
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds100")
    void digestChangesWhenAnExtentMoves(long seed) {
        ExtentMap m = build(specs(new Random(seed)), false);
        if (m.extentCount() == 0 || m.volumeOffset(0) == 0) {
            return;
        }
        ExtentMap.Builder b = ExtentMap.builder();
        for (int i = 0; i < m.extentCount(); i++) {
            b.add(m.volumeOffset(i) - (i == 0 ? 1 : 0), m.length(i), m.chunkId(m.chunkRef(i)), m.chunkOffset(i));
        }
        assertEquals(false, Arrays.equals(m.digest(), b.build().digest()));
    }

    @org.junit.jupiter.api.Test
    void builderRejectsOverlapAndBadIds() {
        ExtentMap.Builder b = ExtentMap.builder().add(0, 10, id(1), 0);
        assertThrows(IllegalArgumentException.class, () -> b.add(5, 10, id(2), 0));
        assertThrows(IllegalArgumentException.class, () -> b.add(20, 10, new byte[3], 0));
        assertThrows(IllegalArgumentException.class, () -> b.add(20, 0, id(2), 0));
    }

    @org.junit.jupiter.api.Test
    void chunksAreSharedInTheChunkTable() {
        ExtentMap m = ExtentMap.builder().add(0, 10, id(1), 0).add(10, 10, id(1), 10).add(30, 5, id(2), 0).build();
        assertEquals(2, m.chunkCount());
        assertEquals(3, m.extentCount());
        assertEquals(25, m.referencedBytes());
    }
}
