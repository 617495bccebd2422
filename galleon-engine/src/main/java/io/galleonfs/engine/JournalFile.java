package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One journal generation, {@code journal/journal-<generation>.log}: a 16-byte header (u32 magic "GJNL",
 * u32 version 1, u64 generation, little endian) followed by records (see {@link JournalCodec}).
 * Appended only by the journal thread.
 */
final class JournalFile implements AutoCloseable {
    static final int MAGIC = 0x4c4e4a47; // "GJNL" read as little endian
    static final int VERSION = 1;
    static final int HEADER_BYTES = 16;
    private static final Pattern NAME = Pattern.compile("journal-(\\d+)\\.log");

    private final Path path;
    private final long generation;
    private final FileChannel channel;
    private long size;

    private JournalFile(Path path, long generation, FileChannel channel, long size) {
        this.path = path;
        this.generation = generation;
        this.channel = channel;
        this.size = size;
    }

    static Path path(Path dir, long generation) {
        return dir.resolve("journal-" + generation + ".log");
    }

    /** Creates a new generation; header and directory entry are durable when this returns. */
    static JournalFile create(Path dir, long generation) throws IOException {
        Path path = path(dir, generation);
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(MAGIC).putInt(VERSION).putLong(generation).flip();
            while (header.hasRemaining()) {
                ch.write(header);
            }
            ch.force(true);
            AtomicFiles.fsyncDirectory(dir);
            return new JournalFile(path, generation, ch, HEADER_BYTES);
        } catch (IOException | RuntimeException e) {
            ch.close();
            // A half-made generation (ENOSPC on the header) must not block the retry's CREATE_NEW; it holds no record.
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** Generations present in {@code dir}, ascending. */
    static List<Long> generations(Path dir) throws IOException {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Matcher m = NAME.matcher(f.getFileName().toString());
                if (m.matches()) {
                    out.add(Long.parseLong(m.group(1)));
                }
            }
        }
        out.sort(null);
        return out;
    }

    long generation() {
        return generation;
    }

    long size() {
        return size;
    }

    void append(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            size += channel.write(src);
        }
    }

    /**
     * Cuts off whatever a failed append left after {@code validSize}, so the next batch starts right after the
     * last committed record. Without this, replay would stop at the torn bytes and never reach records appended
     * after them. Shrinking needs no space.
     */
    void rewind(long validSize) throws IOException {
        channel.truncate(validSize);
        channel.position(validSize);
        size = validSize;
    }

    /** fdatasync: the appended records (and the file size they need) are durable when it returns. */
    void sync() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    void closeAndDelete() throws IOException {
        close();
        Files.deleteIfExists(path);
    }
}
