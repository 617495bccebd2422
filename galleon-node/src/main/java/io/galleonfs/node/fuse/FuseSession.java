package io.galleonfs.node.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * One live FUSE mount: libfuse's loop runs on a thread of its own (which starts libfuse's worker threads) until the
 * mount goes away. Mounting returns once the kernel lists the mount, so callers can use the path at once.
 */
final class FuseSession {
    private static final Logger LOG = Logger.getLogger(FuseSession.class);
    private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(15);
    /** libfuse 2 caps requests at its 128 KiB channel buffer; asking for that much keeps requests as large as it allows. */
    static final int MAX_REQUEST = 128 * 1024;

    private final Path path;
    private final String source;
    private final CompletableFuture<Integer> exit;

    private FuseSession(Path path, String source, CompletableFuture<Integer> exit) {
        this.path = path;
        this.source = source;
        this.exit = exit;
    }

    Path path() {
        return path;
    }

    /**
     * Mounts {@code fs} at {@code path}. {@code source} names the mount in the kernel's table (fsname), which is how a
     * later start finds mounts a crashed daemon left behind. {@code extra} are mount flags such as {@code ro}.
     */
    static FuseSession mount(VolumeFileSystem fs, Path path, String source, List<String> extra) throws IOException {
        List<String> opts = new ArrayList<>(List.of("fsname=" + source, "subtype=galleonfs",
                // No page cache for data: every mount of a volume (rw and ro, on this node) sees every write at once,
                // and the engine keeps the only cache.
                "direct_io", "big_writes", "max_read=" + MAX_REQUEST, "max_write=" + MAX_REQUEST, "default_permissions"));
        if (Privileges.root()) {
            opts.add("allow_other");
        }
        opts.addAll(extra);
        String[] args = {"galleonfs", "-f", path.toString(), "-o", String.join(",", opts)};
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread loop = new Thread(() -> {
            try {
                exit.complete(fs.run(args));
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            }
        }, "galleon-fuse " + path);
        loop.setDaemon(true);
        loop.start();
        FuseSession session = new FuseSession(path, source, exit);
        long deadline = System.nanoTime() + MOUNT_TIMEOUT.toNanos();
        while (!session.mounted()) {
            if (exit.isDone()) {
                throw new IOException("libfuse could not mount " + path + " (" + describe(exit) + "); see the daemon's output");
            }
            if (System.nanoTime() > deadline) {
                session.unmount(true);
                throw new IOException("the FUSE mount at " + path + " did not appear within " + MOUNT_TIMEOUT.toSeconds() + " s");
            }
            sleep(5);
        }
        return session;
    }

    private static String describe(CompletableFuture<Integer> exit) {
        try {
            return "exit code " + exit.getNow(-1);
        } catch (Exception e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            return c.getClass().getSimpleName() + ": " + c.getMessage();
        }
    }

    boolean mounted() {
        String p = path.toString();
        return ProcMounts.read().stream().anyMatch(e -> e.target().equals(p) && e.source().equals(source));
    }

    /**
     * Unmounts and waits for libfuse's loop to end. Without {@code lazy} a busy mount (open files, a working directory
     * inside) is left alone and {@link BusyException} is thrown; with it the mount is detached at once and goes away
     * when the last user lets go.
     */
    void unmount(boolean lazy) throws IOException {
        if (mounted()) {
            unmountPath(path, lazy);
        }
        try {
            exit.get(lazy ? 2_000 : EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Lazily detached mounts keep serving open files; their loop ends when the last one closes.
            LOG.debugf("FUSE loop of %s still running after unmount: %s", path, e.toString());
        }
    }

    /** Unmounts whatever is mounted at {@code path} (FUSE or a real file system). */
    static void unmountPath(Path path, boolean lazy) throws IOException {
        HostCommands.Result r = Privileges.root()
                ? HostCommands.run(60, "umount", lazy ? new String[] {"-l", path.toString()} : new String[] {path.toString()})
                : HostCommands.run(60, "fusermount", lazy ? new String[] {"-u", "-z", path.toString()} : new String[] {"-u", path.toString()});
        if (!r.ok()) {
            if (r.output().contains("busy")) {
                throw new BusyException(path);
            }
            throw new IOException("cannot unmount " + path + ": " + r.output());
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A mount that is still in use and was not unmounted. */
    static final class BusyException extends IOException {
        BusyException(Path path) {
            super(path + " is busy: a process has files open or its working directory there");
        }
    }

    /** Whether a path is an empty directory (or absent), so that mounting over it hides nothing. */
    static boolean emptyOrAbsent(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return true;
        }
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
