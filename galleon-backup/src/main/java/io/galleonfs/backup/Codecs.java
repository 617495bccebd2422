package io.galleonfs.backup;

import com.github.luben.zstd.Zstd;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;

/** Shared helpers of the object formats: magic numbers, zstd framing, SHA-256 names, sealed blobs. */
final class Codecs {
    static final HexFormat HEX = HexFormat.of();
    static final byte CODEC_RAW = 0;
    static final byte CODEC_ZSTD = 1;
    static final int SAMPLE = 64 << 10;

    private Codecs() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static String sha256Hex(byte[] data) {
        return sha256Hex(data, 0, data.length);
    }

    static String sha256Hex(byte[] data, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, off, len);
            return HEX.formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Chunk plaintext inside a blob: codec byte then payload. Zstd is kept only when it saves at least 3 %, so
     * random data costs one byte and no decompression on restore.
     */
    static byte[] encodeChunk(byte[] data, int off, int len, int level) {
        if (level > 0 && len > 2 * SAMPLE && !compresses(data, off, SAMPLE, level)) {
            // random/encrypted data: a sample that does not shrink spares compressing the whole chunk in vain
            level = 0;
        }
        if (level > 0) {
            long bound = Zstd.compressBound(len);
            byte[] out = new byte[(int) bound + 1];
            long n = Zstd.compressByteArray(out, 1, (int) bound, data, off, len, level);
            if (Zstd.isError(n)) {
                throw new IllegalStateException("zstd: " + Zstd.getErrorName(n));
            }
            if (n < len - len / 32) {
                out[0] = CODEC_ZSTD;
                return java.util.Arrays.copyOf(out, (int) n + 1);
            }
        }
        byte[] out = new byte[len + 1];
        out[0] = CODEC_RAW;
        System.arraycopy(data, off, out, 1, len);
        return out;
    }

    private static boolean compresses(byte[] data, int off, int len, int level) {
        byte[] out = scratch((int) Zstd.compressBound(len));
        long n = Zstd.compressByteArray(out, 0, out.length, data, off, len, level);
        return !Zstd.isError(n) && n < len - len / 32;
    }

    /**
     * A chunk's sealed blob, byte for byte what {@code keys.seal(encodeChunk(data, off, len, level), id)} gives, with
     * one allocation: zstd compresses into this thread's scratch buffer and the codec byte and payload are sealed
     * straight from there or from {@code data}. The backup pipeline's 1 MiB chunks were three humongous arrays each
     * (raw copy, sealed copy, read buffer), which is what grew the node's heap during a backup.
     */
    static byte[] sealChunk(RepositoryKeys keys, byte[] data, int off, int len, int level, byte[] id) {
        int n = compressForSeal(data, off, len, level);
        if (n >= 0) {
            return keys.seal(CODEC_ZSTD, scratch(0), 0, n, id);
        }
        return keys.seal(CODEC_RAW, data, off, len, id);
    }

    /**
     * {@link #sealChunk} into {@code out} (at least {@code len + RepositoryKeys.OVERHEAD + 1} bytes, re-used by the
     * caller): the same blob bytes without allocating them; returns the blob's length.
     */
    static int sealChunkInto(RepositoryKeys keys, byte[] data, int off, int len, int level, byte[] id, byte[] out) {
        int n = compressForSeal(data, off, len, level);
        if (n >= 0) {
            return keys.sealInto(CODEC_ZSTD, scratch(0), 0, n, id, out);
        }
        return keys.sealInto(CODEC_RAW, data, off, len, id, out);
    }

    /**
     * Compresses {@code data[off, off+len)} into this thread's scratch buffer if zstd saves at least 3 % (a 64 KiB
     * sample is tried first on large chunks: random data is not compressed in vain); returns the compressed length, or
     * -1 when the chunk is to be stored raw.
     */
    private static int compressForSeal(byte[] data, int off, int len, int level) {
        if (level > 0 && len > 2 * SAMPLE && !compresses(data, off, SAMPLE, level)) {
            return -1;
        }
        if (level <= 0) {
            return -1;
        }
        int bound = (int) Zstd.compressBound(len);
        byte[] out = scratch(bound);
        long n = Zstd.compressByteArray(out, 0, bound, data, off, len, level);
        if (Zstd.isError(n)) {
            throw new IllegalStateException("zstd: " + Zstd.getErrorName(n));
        }
        return n < len - len / 32 ? (int) n : -1;
    }

    /**
     * Inverse of {@link #sealChunk} after the tag check: opens the blob into this thread's scratch buffer and returns
     * the chunk's plaintext in one array of {@code plainLength}; null if the frame is malformed or of another length.
     */
    static byte[] openChunk(RepositoryKeys keys, byte[] sealed, int off, int len, byte[] id, int plainLength)
            throws AEADBadTagException {
        byte[] plain = new byte[plainLength];
        return openChunkInto(keys, sealed, off, len, id, plainLength, plain) ? plain : null;
    }

    /**
     * Like {@link #openChunk} into {@code dst[0, plainLength)} (a restore re-uses its plaintext buffers: a fresh 1 MiB
     * array per chunk is a humongous object for G1, and those were most of what a restore allocated); false if the
     * frame is malformed or of another length.
     */
    static boolean openChunkInto(RepositoryKeys keys, byte[] sealed, int off, int len, byte[] id, int plainLength,
                                 byte[] dst) throws AEADBadTagException {
        if (len < RepositoryKeys.OVERHEAD + 1) {
            throw new AEADBadTagException("sealed chunk too short: " + len + " bytes");
        }
        byte[] framed = scratch(len - RepositoryKeys.OVERHEAD);
        int n = keys.openInto(sealed, off, len, id, framed);
        if (framed[0] == CODEC_RAW) {
            if (n - 1 != plainLength) {
                return false;
            }
            System.arraycopy(framed, 1, dst, 0, plainLength);
            return true;
        }
        if (framed[0] != CODEC_ZSTD) {
            return false;
        }
        long m = Zstd.decompressByteArray(dst, 0, plainLength, framed, 1, n - 1);
        return !Zstd.isError(m) && m == plainLength;
    }

    /** Per-thread work buffer (zstd output, opened blobs): grows to the largest chunk once, then is re-used. */
    private static final ThreadLocal<byte[]> SCRATCH = new ThreadLocal<>();

    private static byte[] scratch(int atLeast) {
        byte[] b = SCRATCH.get();
        if (b == null || b.length < atLeast) {
            // one size for every chunk up to 1 MiB: compress bound of a full chunk, so it is allocated once
            b = new byte[Math.max(atLeast, (int) Zstd.compressBound(BackupRun.CHUNK_MAX) + 64)];
            SCRATCH.set(b);
        }
        return b;
    }

    /** Inverse of {@link #encodeChunk}; returns null if the frame is malformed or not {@code plainLength} long. */
    static byte[] decodeChunk(byte[] encoded, int plainLength) {
        if (encoded.length < 1) {
            return null;
        }
        if (encoded[0] == CODEC_RAW) {
            if (encoded.length - 1 != plainLength) {
                return null;
            }
            return java.util.Arrays.copyOfRange(encoded, 1, encoded.length);
        }
        if (encoded[0] != CODEC_ZSTD) {
            return null;
        }
        byte[] out = new byte[plainLength];
        long n = Zstd.decompressByteArray(out, 0, plainLength, encoded, 1, encoded.length - 1);
        if (Zstd.isError(n) || n != plainLength) {
            return null;
        }
        return out;
    }

    /** zstd-compressed, length-prefixed, sealed body of index and manifest objects. */
    static byte[] sealBody(RepositoryKeys keys, byte[] plain, byte[] aad) {
        byte[] compressed = Zstd.compress(plain, 3);
        byte[] framed = new byte[compressed.length + 4];
        framed[0] = (byte) (plain.length >>> 24);
        framed[1] = (byte) (plain.length >>> 16);
        framed[2] = (byte) (plain.length >>> 8);
        framed[3] = (byte) plain.length;
        System.arraycopy(compressed, 0, framed, 4, compressed.length);
        return keys.seal(framed, aad);
    }

    static byte[] openBody(RepositoryKeys keys, byte[] sealed, int off, int len, byte[] aad, String what) {
        byte[] framed;
        try {
            framed = keys.open(sealed, off, len, aad);
        } catch (AEADBadTagException e) {
            throw new RepositoryCorruptedException(what + " fails its authentication check", e);
        }
        if (framed.length < 4) {
            throw new RepositoryCorruptedException(what + " is truncated");
        }
        int plainLen = (framed[0] & 0xFF) << 24 | (framed[1] & 0xFF) << 16 | (framed[2] & 0xFF) << 8
                | (framed[3] & 0xFF);
        byte[] out = new byte[plainLen];
        long n = Zstd.decompressByteArray(out, 0, plainLen, framed, 4, framed.length - 4);
        if (Zstd.isError(n) || n != plainLen) {
            throw new RepositoryCorruptedException(what + " does not decompress");
        }
        return out;
    }
}
