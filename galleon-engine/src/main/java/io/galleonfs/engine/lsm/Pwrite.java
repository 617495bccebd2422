package io.galleonfs.engine.lsm;

import io.galleonfs.engine.SlotPool;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * open / pwrite / close through the FFM linker, for appenders that write their records from their own threads. A
 * {@link java.nio.channels.FileChannel} is interruptible: an appender interrupted inside a write would close the
 * segment's channel for everyone. A native call is not interrupted, so the log never breaks because one caller was.
 */
final class Pwrite {
    private static final int O_WRONLY = 1;
    private static final int O_CLOEXEC = 0x80000;
    /** O_DIRECT differs between architectures (asm-generic: 0x4000; arm64: 0x10000). */
    private static final int O_DIRECT = "aarch64".equals(System.getProperty("os.arch")) ? 0x10000 : 0x4000;
    private static final int EINTR = 4;
    private static final int EINVAL = 22;
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN;
    private static final MethodHandle PWRITE;
    private static final MethodHandle CLOSE;
    /** Where errno is captured: one segment per call in flight (callers are often one-request virtual threads). */
    private static final SlotPool<MemorySegment> STATES = new SlotPool<>(64, () -> Arena.ofAuto().allocate(CAPTURE));

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        OPEN = linker.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                errno, Linker.Option.firstVariadicArg(2));
        PWRITE = linker.downcallHandle(libc.find("pwrite").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), errno);
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private Pwrite() {
    }

    /** A write descriptor; {@code direct}: opened with O_DIRECT. */
    record Descriptor(int fd, boolean direct) {
    }

    /**
     * Opens {@code file} for writing with O_DIRECT, or buffered where the file system refuses O_DIRECT (tmpfs: EINVAL).
     */
    static Descriptor openDirect(Path file) throws IOException {
        return open(file, true);
    }

    /** Opens {@code file} for buffered writes. */
    static Descriptor open(Path file) throws IOException {
        return open(file, false);
    }

    private static Descriptor open(Path file, boolean direct) throws IOException {
        MemorySegment state = STATES.take();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocateFrom(file.toAbsolutePath().toString());
            int fd = (int) OPEN.invokeExact(state, name, O_WRONLY | O_CLOEXEC | (direct ? O_DIRECT : 0), 0);
            if (fd < 0 && direct && (int) ERRNO.get(state, 0L) == EINVAL) {
                fd = (int) OPEN.invokeExact(state, name, O_WRONLY | O_CLOEXEC, 0);
                if (fd >= 0) {
                    return new Descriptor(fd, false);
                }
            }
            if (fd < 0) {
                throw new IOException("open(" + file + ") failed, errno " + (int) ERRNO.get(state, 0L));
            }
            return new Descriptor(fd, direct);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("open(" + file + ") failed", t);
        } finally {
            STATES.give(state);
        }
    }

    /** Writes all of {@code src} (native memory) at {@code offset}. */
    static void writeFully(int fd, MemorySegment src, long offset) throws IOException {
        MemorySegment state = STATES.take();
        long done = 0;
        long size = src.byteSize();
        try {
            while (done < size) {
                long n = (long) PWRITE.invokeExact(state, fd, src.asSlice(done), size - done, offset + done);
                if (n < 0) {
                    int errno = (int) ERRNO.get(state, 0L);
                    if (errno == EINTR) {
                        continue;
                    }
                    throw new IOException(errno == 28 ? "No space left on device" : "pwrite failed, errno " + errno);
                }
                done += n;
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("pwrite failed", t);
        } finally {
            STATES.give(state);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
