package io.galleonfs.engine;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-safe file replacement: after any crash a reader sees either the old or the new content. Public because the
 * node's own small files (node id, Raft member lists) need the same guarantee.
 */
public final class AtomicFiles {
    static final String TMP_SUFFIX = ".tmp";
    /** fsyncs one {@link #write} issues: the temporary file and the directory. */
    static final int FSYNCS_PER_WRITE = 2;

    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    public static void write(Path target, ByteBuffer content) throws IOException {
        write(target, out -> {
            ByteBuffer buf = content.duplicate();
            out.write(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
        });
    }

    /** Writes a temporary file, fsyncs it, renames it over {@code target} and fsyncs the directory. */
    public static void write(Path target, Body body) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + TMP_SUFFIX);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            body.writeTo(out);
            out.flush();
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(target.getParent());
    }

    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
