package io.galleonfs.node.policy;

import io.galleonfs.node.meta.MountRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * fsfreeze of a volume's file-system-mode mounts on this node, so the snapshot taken meanwhile holds a clean file
 * system (the kernel flushes it and holds new writes). A freeze always ends: by {@link #thaw}, or by itself at its
 * timeout, so a scheduler that dies mid-run never leaves an application blocked. Raw-layout mounts have no file
 * system to freeze and are left alone.
 */
public final class VolumeFreezer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(VolumeFreezer.class);
    static final int MAX_TIMEOUT_SECONDS = 3600;
    private static final long TOOL_TIMEOUT_S = 60;

    /** Frozen paths of one volume and the timer that thaws them. */
    private record Frozen(List<String> paths, Instant thawBy, ScheduledFuture<?> timer) {
    }

    public record Outcome(List<String> paths, Instant thawBy, boolean wasFrozen) {
    }

    private final String nodeId;
    private final Clock clock;
    private final Map<UUID, Frozen> frozen = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "volume-thaw-timer");
        t.setDaemon(true);
        return t;
    });

    public VolumeFreezer(String nodeId, Clock clock) {
        this.nodeId = nodeId;
        this.clock = clock;
    }

    /** This node's file-system-mode mounts of the volume. */
    public List<String> fileSystemMounts(VolumeRecord v) {
        return v.mounts().stream().filter(m -> m.node().equals(nodeId)).filter(m -> m.fsType().filter(t -> !t.equals("none")).isPresent())
                .map(MountRecord::path).toList();
    }

    /**
     * Freezes every file-system-mode mount of the volume on this node; one that fails thaws those already frozen. A
     * volume frozen already is refused (409): two runs must not share one freeze.
     */
    public synchronized Outcome freeze(VolumeRecord v, int timeoutSeconds) {
        if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
            throw GalleonException.badRequest("timeout_seconds must be between 1 and " + MAX_TIMEOUT_SECONDS + ", got " + timeoutSeconds);
        }
        if (frozen.containsKey(v.id())) {
            throw GalleonException.conflict("volume '" + v.name() + "' is frozen already (until " + frozen.get(v.id()).thawBy() + ")");
        }
        List<String> done = new ArrayList<>();
        for (String path : fileSystemMounts(v)) {
            try {
                fsfreeze("-f", path);
                done.add(path);
            } catch (IOException e) {
                done.forEach(this::thawQuietly);
                throw new GalleonException(GalleonException.Kind.STORAGE, "cannot freeze " + path + " of volume '" + v.name() + "': "
                        + e.getMessage());
            }
        }
        Instant thawBy = clock.instant().plusSeconds(timeoutSeconds);
        if (!done.isEmpty()) {
            ScheduledFuture<?> timer = timers.schedule(() -> expire(v), timeoutSeconds, TimeUnit.SECONDS);
            frozen.put(v.id(), new Frozen(List.copyOf(done), thawBy, timer));
            LOG.infof("volume %s frozen at %s until %s", v.name(), done, thawBy);
        }
        return new Outcome(done, thawBy, true);
    }

    /** Thaws what {@link #freeze} froze; {@code wasFrozen} false when nothing was (the freeze had ended by its timeout). */
    public synchronized Outcome thaw(VolumeRecord v) {
        Frozen f = frozen.remove(v.id());
        if (f == null) {
            return new Outcome(List.of(), null, false);
        }
        f.timer().cancel(false);
        f.paths().forEach(this::thawQuietly);
        LOG.infof("volume %s thawed at %s", v.name(), f.paths());
        return new Outcome(f.paths(), f.thawBy(), true);
    }

    private synchronized void expire(VolumeRecord v) {
        Frozen f = frozen.remove(v.id());
        if (f != null) {
            LOG.warnf("volume %s: nobody thawed it within its timeout; thawing %s", v.name(), f.paths());
            f.paths().forEach(this::thawQuietly);
        }
    }

    private void thawQuietly(String path) {
        try {
            fsfreeze("-u", path);
        } catch (IOException e) {
            LOG.warnf(e, "cannot thaw %s", path);
        }
    }

    private static void fsfreeze(String flag, String path) throws IOException {
        Process p = new ProcessBuilder(tool(), flag, path).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(TOOL_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("fsfreeze " + flag + " " + path + " did not finish within " + TOOL_TIMEOUT_S + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running fsfreeze", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new IOException("fsfreeze " + flag + " failed (exit " + p.exitValue() + ")" + (out.isEmpty() ? "" : ": " + out));
        }
    }

    private static String tool() throws IOException {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "fsfreeze"))) {
                return dir + "/fsfreeze";
            }
        }
        throw new IOException("fsfreeze is not installed (Debian package util-linux)");
    }

    /** Thaws everything still frozen: a stopping node must not leave file systems blocked. */
    @Override
    public synchronized void close() {
        List.copyOf(frozen.keySet()).forEach(id -> {
            Frozen f = frozen.remove(id);
            f.timer().cancel(false);
            f.paths().forEach(this::thawQuietly);
        });
        timers.shutdownNow();
    }
}
