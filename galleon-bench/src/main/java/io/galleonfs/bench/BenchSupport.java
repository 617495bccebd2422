package io.galleonfs.bench;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.KeyProvider;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/** Shared plumbing of the benchmarks: scratch directories, engines, raw baseline files, buffers. */
final class BenchSupport {
    /** Block size of every engine the benchmarks open and the I/O size of the 4 KiB benchmarks. */
    static final int BLOCK = 4096;
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    /** System property naming the directory under which scratch directories are created. */
    static final String DIR_PROPERTY = "galleon.bench.dir";

    // Held strongly: java.util.logging keeps loggers weakly and would forget the level.
    private static final Logger ENGINE_LOG = Logger.getLogger("io.galleonfs");

    static {
        // The engine logs through jboss-logging, which falls back to java.util.logging here; its INFO
        // lines (recovery, checkpoints) would interleave with JMH's output.
        ENGINE_LOG.setLevel(Level.WARNING);
    }

    private BenchSupport() {
    }

    /**
     * A fresh scratch directory under {@code -Dgalleon.bench.dir} or, by default, {@code java.io.tmpdir}.
     * Engine and raw baseline of one benchmark therefore always live on the same file system.
     */
    static Path newScratchDir(String prefix) throws IOException {
        String configured = System.getProperty(DIR_PROPERTY);
        Path base = Path.of(configured != null && !configured.isBlank() ? configured : System.getProperty("java.io.tmpdir"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, "galleon-bench-" + prefix + "-");
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Opens an engine with default journal/back-pressure settings and a 4 KiB block size. */
    static BlockEngine openEngine(Path root, KeyProvider keyProvider) throws IOException {
        return BlockEngine.open(EngineConfig.defaults(root, BLOCK, keyProvider));
    }

    /** Creates a sparse file of {@code size} bytes and opens it for positional reads and writes. */
    static FileChannel sparseFile(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }

    static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + pos);
            }
            pos += n;
        }
    }

    /** A direct buffer of {@code size} random (incompressible) bytes, reproducible from {@code seed}. */
    static ByteBuffer randomDirect(int size, long seed) {
        byte[] bytes = new byte[size];
        new SplittableRandom(seed).nextBytes(bytes);
        return ByteBuffer.allocateDirect(size).put(bytes).flip();
    }
}
