package io.galleonfs.node.fuse;

import io.galleonfs.node.volume.GalleonException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this host can serve FUSE mounts at all: the kernel device and libfuse 2. */
final class FuseSupport {
    private static final Path DEVICE = Path.of("/dev/fuse");
    private static final String[] LIBRARIES = {"/usr/lib/x86_64-linux-gnu/libfuse.so.2", "/usr/lib/aarch64-linux-gnu/libfuse.so.2",
        "/lib/x86_64-linux-gnu/libfuse.so.2", "/usr/lib64/libfuse.so.2", "/usr/lib/libfuse.so.2"};

    private FuseSupport() {
    }

    /** Fails with a 422 problem naming what is missing. */
    static void require() {
        if (!Files.exists(DEVICE)) {
            throw new GalleonException(GalleonException.Kind.UNPROCESSABLE,
                    "FUSE is not available on this node: /dev/fuse is absent (load the fuse module, or give the container /dev/fuse)");
        }
        boolean lib = false;
        for (String l : LIBRARIES) {
            lib |= Files.exists(Path.of(l));
        }
        if (!lib) {
            throw new GalleonException(GalleonException.Kind.UNPROCESSABLE,
                    "FUSE is not available on this node: libfuse 2 is not installed (Debian package libfuse2)");
        }
    }
}
