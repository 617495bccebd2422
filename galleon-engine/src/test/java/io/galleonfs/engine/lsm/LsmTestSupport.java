package io.galleonfs.engine.lsm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;

/** Helpers of the log store tests: small segments so rolls, checkpoints and cleaning happen in small tests. */
final class LsmTestSupport {
    static final int BS = 4096;

    private LsmTestSupport() {
    }

    static LogStoreConfig config(Path root) {
        return new LogStoreConfig(root, BS, 1L << 20, 1L << 40);
    }

    /** Reproducible block contents for (volume, block, version). */
    static ByteBuffer content(UUID volume, long block, long version) {
        byte[] bytes = new byte[BS];
        new SplittableRandom(volume.getLeastSignificantBits() ^ (block * 1_000_003L) ^ (version << 40)).nextBytes(bytes);
        return ByteBuffer.wrap(bytes);
    }

    static byte[] read(LogStore store, UUID volume, long block) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BS);
        store.read(volume, block, buf);
        return buf.array();
    }

    static byte[] readSnapshot(LogStore store, UUID volume, String name, long block) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BS);
        store.readSnapshot(volume, name, block, buf);
        return buf.array();
    }

    /** Reproducible bytes for a seed. */
    static byte[] pattern(long seed, int length) {
        byte[] b = new byte[length];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** {@code length} bytes of a volume from {@code offset}. */
    static byte[] read(io.galleonfs.engine.Volume v, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        v.read(offset, buf);
        return buf.array();
    }

    static byte[] zeros() {
        return new byte[BS];
    }

    /** Flips the bits {@code mask} of the byte at {@code at} of {@code file}: a corruption on disk. */
    static void flipByte(Path file, long at, int mask) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.put(0, (byte) (one.get(0) ^ mask)).rewind();
            ch.write(one, at);
        }
    }
}
