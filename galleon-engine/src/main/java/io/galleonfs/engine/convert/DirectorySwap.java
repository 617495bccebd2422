package io.galleonfs.engine.convert;

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
 * Exchanges two directories in one step: Linux {@code renameat2(RENAME_EXCHANGE)} through the FFM linker. Either name
 * names the other's tree afterwards, and a crash sees both trees under their old names or both under their new ones:
 * the one step a storage conversion needs to switch formats (two renames would leave a moment with no engine root).
 * Supported by ext4, xfs, btrfs and tmpfs; where it is not, {@link #exchange} fails and nothing has changed.
 */
final class DirectorySwap {
    private static final int AT_FDCWD = -100;
    private static final int RENAME_EXCHANGE = 2;
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle RENAMEAT2;
    private static final String UNAVAILABLE;

    static {
        MethodHandle h = null;
        String why = null;
        try {
            Linker linker = Linker.nativeLinker();
            h = linker.defaultLookup().find("renameat2").map(s -> linker.downcallHandle(s,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS, ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno"))).orElse(null);
            if (h == null) {
                why = "the C library has no renameat2";
            }
        } catch (Throwable t) {
            why = "native calls are not available (" + t.getMessage() + ")";
        }
        RENAMEAT2 = h;
        UNAVAILABLE = why;
    }

    private DirectorySwap() {
    }

    /**
     * Atomically exchanges directories {@code a} and {@code b} (both must exist, on one file system).
     *
     * @throws IOException naming the errno when the kernel or file system refuses (nothing changed then)
     */
    static void exchange(Path a, Path b) throws IOException {
        if (RENAMEAT2 == null) {
            throw new IOException("cannot swap directories atomically: " + UNAVAILABLE);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) RENAMEAT2.invokeExact(state, AT_FDCWD, arena.allocateFrom(a.toAbsolutePath().toString()), AT_FDCWD,
                    arena.allocateFrom(b.toAbsolutePath().toString()), RENAME_EXCHANGE);
            if (rc != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new IOException("cannot swap " + a + " and " + b + " atomically: renameat2(RENAME_EXCHANGE) failed with errno "
                        + errno + (errno == 22 || errno == 38 ? " (not supported by this file system or kernel)" : ""));
            }
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("cannot swap " + a + " and " + b + ": " + t, t);
        }
    }
}
