package io.galleonfs.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Object store in a local or NFS directory: one file per key. {@code put} writes a hidden temp file beside the final
 * name, fsyncs it, renames it atomically over the final name and fsyncs the directory, so a crash leaves the old
 * object, the new one, or a stray temp file that listing ignores (and prune's own listing never sees).
 */
public final class DirectoryObjectStore implements ObjectStore {
    static final String TEMP_PREFIX = ".tmp-";
    /**
     * Largest slice of a heap buffer handed to one read or write: the JDK copies a heap buffer through a temporary
     * direct buffer of the same size and caches it on the thread, so a 32 MiB pack written in one call kept 32 MiB of
     * native memory per uploading thread for the life of the process.
     */
    static final int IO_SLICE = 1 << 20;
    private final Path root;

    public DirectoryObjectStore(Path root) {
        if (!root.isAbsolute()) {
            throw new InvalidTargetException("directory target must be an absolute path: " + root);
        }
        this.root = root.normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw failure("cannot create directory target", e);
        }
        if (!Files.isDirectory(this.root) || !Files.isWritable(this.root)) {
            throw new TargetUnavailableException("directory target " + describe() + " is not a writable directory");
        }
    }

    public Path root() {
        return root;
    }

    private Path path(String key) {
        if (key.isEmpty() || key.startsWith("/") || key.contains("..") || key.contains("\\")) {
            throw new IllegalArgumentException("bad object key " + key);
        }
        return root.resolve(key);
    }

    @Override
    public void put(String key, byte[] data) {
        put(key, data, 0, data.length);
    }

    @Override
    public void put(String key, byte[] data, int off, int len) {
        Path target = path(key);
        Path dir = target.getParent();
        Path tmp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(data, off, len);
                while (buf.hasRemaining()) {
                    buf.limit(Math.min(off + len, buf.position() + IO_SLICE));
                    ch.write(buf);
                    buf.limit(off + len);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new TargetUnavailableException("directory target " + describe()
                        + " does not support atomic rename", e);
            }
            fsyncDirectory(dir);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw failure("cannot write " + key, e);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public byte[] get(String key) {
        try (FileChannel ch = FileChannel.open(path(key), StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 8) {
                throw failure("cannot read " + key, new IOException("object of " + size + " bytes is too large"));
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            while (buf.hasRemaining()) {
                buf.limit(Math.min((int) size, buf.position() + IO_SLICE));
                int n = ch.read(buf, buf.position());
                buf.limit((int) size);
                if (n < 0) {
                    throw failure("cannot read " + key, new IOException("object shrank while it was read"));
                }
            }
            return buf.array();
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException("no object " + key + " in " + describe(), e);
        } catch (IOException e) {
            throw failure("cannot read " + key, e);
        }
    }

    @Override
    public byte[] getRange(String key, long offset, int length) {
        byte[] out = new byte[length];
        getRange(key, offset, length, out);
        return out;
    }

    @Override
    public void getRange(String key, long offset, int length, byte[] dst) {
        try (FileChannel ch = FileChannel.open(path(key), StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.wrap(dst, 0, length);
            while (buf.hasRemaining()) {
                buf.limit(Math.min(length, buf.position() + IO_SLICE));
                int n = ch.read(buf, offset + buf.position());
                buf.limit(length);
                if (n < 0) {
                    throw new ObjectNotFoundException("object " + key + " in " + describe() + " is shorter than "
                            + (offset + length) + " bytes");
                }
            }
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException("no object " + key + " in " + describe(), e);
        } catch (IOException e) {
            throw failure("cannot read " + key, e);
        }
    }

    /** Positional reads of at most {@link #IO_SLICE} per call, in the caller's buffer; the file stays open until close. */
    @Override
    public java.io.InputStream openRange(String key, long offset, long length) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path(key), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new ObjectNotFoundException("no object " + key + " in " + describe(), e);
        } catch (IOException e) {
            throw failure("cannot read " + key, e);
        }
        return new java.io.InputStream() {
            private long pos = offset;
            private final long end = offset + length;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                int n = (int) Math.min(Math.min(len, IO_SLICE), end - pos);
                if (n <= 0) {
                    return -1;
                }
                int got = ch.read(ByteBuffer.wrap(b, off, n), pos);
                if (got > 0) {
                    pos += got;
                }
                return got;
            }

            @Override
            public long skip(long n) {
                long k = Math.max(0, Math.min(n, end - pos));
                pos += k;
                return k;
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(path(key));
    }

    @Override
    public long size(String key) {
        try {
            return Files.size(path(key));
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            throw failure("cannot stat " + key, e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        // Prefixes used by the repository end at a directory boundary or name a directory prefix ("data/"), so walk
        // the deepest directory the prefix names and filter by the full key.
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        List<ObjectInfo> out = new ArrayList<>();
        if (!Files.isDirectory(start)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(start)) {
            walk.forEach(p -> {
                if (p.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    return;
                }
                String key = root.relativize(p).toString().replace('\\', '/');
                if (!key.startsWith(prefix)) {
                    return;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        out.add(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
                    }
                } catch (NoSuchFileException gone) {
                    // deleted while listing: not part of the listing
                } catch (IOException e) {
                    throw failure("cannot list " + prefix, e);
                }
            });
        } catch (IOException e) {
            throw failure("cannot list " + prefix, e);
        } catch (java.io.UncheckedIOException e) {
            throw failure("cannot list " + prefix, e.getCause());
        }
        return out;
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(path(key));
        } catch (IOException e) {
            throw failure("cannot delete " + key, e);
        }
    }

    @Override
    public String describe() {
        return root.toUri().toString();
    }

    private TargetUnavailableException failure(String what, IOException e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (msg.contains("No space left")) {
            // the operator's fix is free space, not a retry loop: say so, in one line
            return new TargetFullException("directory target " + describe() + " is full (no space left on device): "
                    + what + "; free space on it, then run the job again", e);
        }
        return new TargetUnavailableException("directory target " + describe() + ": " + what + ": " + msg, e);
    }

    @Override
    public void close() {
    }
}
