package io.galleonfs.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

/** Shared helpers: engine configurations and verifiable block contents. */
final class TestSupport {
    static final int BS = 4096;

    private TestSupport() {
    }

    static EngineConfig config(Path root) throws IOException {
        return new EngineConfig(root, BS, 8L << 20, 16L << 20, FileKeyProvider.openOrCreate(root.resolveSibling(root.getFileName() + ".key")));
    }

    static EngineConfig config(Path root, int blockSize, long checkpointBytes) throws IOException {
        return new EngineConfig(root, blockSize, checkpointBytes, 16L << 20,
                FileKeyProvider.openOrCreate(root.resolveSibling(root.getFileName() + ".key")));
    }

    /** Deterministic bytes identified by (seed, length). */
    static byte[] pattern(long seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] read(Volume v, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        v.read(offset, buf);
        return buf.array();
    }

    static byte[] readSnapshot(Volume v, String name, long offset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        v.readSnapshot(name, offset, buf);
        return buf.array();
    }

    static void write(Volume v, long offset, byte[] data) throws IOException {
        v.write(offset, ByteBuffer.wrap(data), WriteConcern.ACKNOWLEDGED);
    }

    static void writeDurable(Volume v, long offset, byte[] data) throws IOException {
        v.write(offset, ByteBuffer.wrap(data), WriteConcern.DURABLE);
    }

    /** Bytes the file system allocated for the files of one volume. */
    static long volumeBytesOnDisk(Path root, Volume v) throws IOException {
        ((VolumeImpl) v).awaitApplied();
        long total = 0;
        try (var files = java.nio.file.Files.list(root.resolve("volumes").resolve(v.id().toString()))) {
            for (Path f : files.toList()) {
                total += NativeIo.allocatedBytes(f);
            }
        }
        return total;
    }

    static VolumeUsage usage(Volume v) throws IOException {
        ((VolumeImpl) v).awaitApplied();
        return v.usage();
    }

    static void assertContent(byte[] expected, Volume v, long offset) throws IOException {
        assertArrayEquals(expected, read(v, offset, expected.length));
    }
}
