package io.galleonfs.cli;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.SplittableRandom;

/** Known test data for the legacy modes: reproducible bytes from a seed, and the SHA-256 to compare read-backs with. */
final class DataPattern {
    private DataPattern() {
    }

    /** {@code length} pseudo-random bytes, the same for the same seed (incompressible, so nothing is deduplicated away). */
    static byte[] bytes(long seed, int length) {
        byte[] b = new byte[length];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < length; i += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8 && i + j < length; j++) {
                b[i + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The first 12 hex digits, enough to tell two checksums apart on a line. */
    static String shortSha(byte[] data) {
        return sha256(data).substring(0, 12);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static String mbPerSecond(long bytes, long nanos) {
        return String.format(Locale.ROOT, "%.1f MB/s", bytes / 1e6 / Math.max(nanos / 1e9, 1e-9));
    }

    /** Index of the first differing byte, or -1 when equal (lengths included). */
    static long firstDifference(byte[] a, byte[] b) {
        long m = java.util.Arrays.mismatch(a, b);
        return m;
    }
}
