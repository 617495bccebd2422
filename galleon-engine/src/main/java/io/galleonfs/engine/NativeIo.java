package io.galleonfs.engine;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Linux calls the JDK does not expose, made through the FFM linker: hole punching (fallocate) and
 * the allocated size of a file (statx stx_blocks). Both degrade gracefully where unavailable.
 * Public only so that the log-structured store ({@code io.galleonfs.engine.lsm}) can preallocate segments.
 */
public final class NativeIo {
    private static final Logger LOG = Logger.getLogger(NativeIo.class);

    private static final int O_WRONLY = 1;
    private static final int O_CLOEXEC = 0x80000;
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int FALLOC_FL_PUNCH_HOLE = 2;
    private static final int AT_FDCWD = -100;
    private static final int STATX_BLOCKS = 0x400;
    private static final int STATX_STRUCT_BYTES = 256;
    private static final long STATX_BLOCKS_OFFSET = 48;
    private static final int EINTR = 4;
    private static final int ENOSPC = 28;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle FALLOCATE;
    private static final MethodHandle STATX;
    private static final AtomicBoolean PUNCH_UNSUPPORTED_LOGGED = new AtomicBoolean();

    static {
        MethodHandle open = null;
        MethodHandle close = null;
        MethodHandle fallocate = null;
        MethodHandle statx = null;
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            Linker.Option errno = Linker.Option.captureCallState("errno");
            open = libc.find("open").map(s -> linker.downcallHandle(s,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                    errno, Linker.Option.firstVariadicArg(2))).orElse(null);
            close = libc.find("close").map(s -> linker.downcallHandle(s,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT))).orElse(null);
            fallocate = libc.find("fallocate").map(s -> linker.downcallHandle(s,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), errno)).orElse(null);
            statx = libc.find("statx").map(s -> linker.downcallHandle(s,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS), errno)).orElse(null);
        } catch (Throwable t) {
            // Native access denied (--enable-native-access) or a non-Linux libc: keep the JDK-only fallbacks.
            LOG.warnf("native file calls unavailable, trim will not free space: %s", t.toString());
        }
        OPEN = open;
        CLOSE = close;
        FALLOCATE = fallocate;
        STATX = statx;
    }

    private NativeIo() {
    }

    /**
     * Deallocates the byte range of {@code file} while keeping its size.
     *
     * @return false if the platform or file system cannot punch holes (the range keeps its bytes)
     */
    static boolean punchHole(Path file, long offset, long length) throws IOException {
        if (length <= 0 || !Files.exists(file)) {
            return true;
        }
        if (OPEN == null || CLOSE == null || FALLOCATE == null) {
            logPunchUnsupported("fallocate not linkable");
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment path = arena.allocateFrom(file.toAbsolutePath().toString());
            int fd = (int) OPEN.invokeExact(state, path, O_WRONLY | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("open(" + file + ") failed, errno " + errno(state));
            }
            try {
                int rc;
                do {
                    rc = (int) FALLOCATE.invokeExact(state, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
                } while (rc != 0 && errno(state) == EINTR);
                if (rc != 0) {
                    logPunchUnsupported("fallocate(PUNCH_HOLE) failed on " + file + ", errno " + errno(state));
                    return false;
                }
                return true;
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("hole punching failed on " + file, t);
        }
    }

    /**
     * Allocates [0, length) of an existing file (fallocate mode 0: blocks reserved, reads as zeros, nothing written).
     *
     * @return false when the platform or file system cannot (the caller writes zeros instead)
     * @throws IOException "No space left on device" when the file system is too full
     */
    public static boolean allocate(Path file, long length) throws IOException {
        if (OPEN == null || CLOSE == null || FALLOCATE == null) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment path = arena.allocateFrom(file.toAbsolutePath().toString());
            int fd = (int) OPEN.invokeExact(state, path, O_WRONLY | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new IOException("open(" + file + ") failed, errno " + errno(state));
            }
            try {
                int rc;
                do {
                    rc = (int) FALLOCATE.invokeExact(state, fd, 0, 0L, length);
                } while (rc != 0 && errno(state) == EINTR);
                if (rc != 0 && errno(state) == ENOSPC) {
                    throw new IOException("No space left on device");
                }
                return rc == 0;
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            LOG.debugf("fallocate failed on %s: %s", file, t);
            return false;
        }
    }

    /** Bytes the file system allocated for {@code file}; its logical size when statx is unavailable. */
    /**
     * Bytes the file system allocated to every regular file under {@code root}; files that vanish during the walk (a
     * checkpoint deleted a segment, a merge dropped a layer) are no longer on disk and count nothing.
     */
    public static long allocatedBytesUnder(Path root) throws IOException {
        long[] total = {0};
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    try {
                        total[0] += allocatedBytes(file);
                    } catch (IOException vanished) {
                        // deleted while walking
                    }
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException exc) {
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    public static long allocatedBytes(Path file) throws IOException {
        if (STATX != null) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(CAPTURE);
                MemorySegment path = arena.allocateFrom(file.toAbsolutePath().toString());
                MemorySegment buf = arena.allocate(STATX_STRUCT_BYTES, 8);
                int rc = (int) STATX.invokeExact(state, AT_FDCWD, path, 0, STATX_BLOCKS, buf);
                if (rc == 0 && (buf.get(ValueLayout.JAVA_INT, 0) & STATX_BLOCKS) != 0) {
                    return buf.get(ValueLayout.JAVA_LONG, STATX_BLOCKS_OFFSET) * 512L;
                }
            } catch (Throwable t) {
                LOG.debugf("statx failed on %s: %s", file, t);
            }
        }
        return Files.size(file);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static void logPunchUnsupported(String why) {
        if (PUNCH_UNSUPPORTED_LOGGED.compareAndSet(false, true)) {
            LOG.warnf("cannot punch holes (%s); trimmed blocks read as zeros but keep their disk space", why);
        }
    }
}
