package io.galleonfs.node.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a caller may mount a volume on this host. The allowed roots are the node's {@code --mount-point} plus the
 * configured {@code allowed_mount_roots}. An operator (a tenant) may mount only under them, so a token for one
 * namespace cannot put a file system over {@code /etc} or {@code /root/.ssh}. An admin may mount anywhere while no
 * roots are configured, because the seed's examples mount at {@code /app/web-data} with the local admin token; once an
 * operator configures {@code allowed_mount_roots}, the rule holds for admins too.
 *
 * <p>Paths are compared after resolving symbolic links of the part that exists, so a link under an allowed root that
 * points elsewhere does not lead out of it.
 */
public final class MountRoots {
    private final List<Path> roots;
    private final boolean configured;

    public MountRoots(Optional<Path> mountPoint, List<Path> allowedRoots) {
        List<Path> all = new ArrayList<>();
        mountPoint.ifPresent(all::add);
        all.addAll(allowedRoots);
        this.roots = all.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        this.configured = !allowedRoots.isEmpty();
    }

    /** Why {@code target} (absolute, normalized) is not allowed for this caller; empty when it is. */
    public Optional<String> refusal(Path target, boolean admin) {
        if (admin && !configured) {
            return Optional.empty();
        }
        Path real = realPath(target);
        for (Path root : roots) {
            Path realRoot = realPath(root);
            if (real.startsWith(realRoot) && !real.equals(realRoot)) {
                return Optional.empty();
            }
        }
        String allowed = roots.isEmpty() ? "none" : String.join(", ", roots.stream().map(Path::toString).toList());
        return Optional.of("mount path " + target + (real.equals(target) ? "" : " (" + real + ")")
                + " is outside the directories this node allows mounts in (" + allowed + ")"
                + (admin ? "; add it to allowed_mount_roots in the node's configuration"
                        : "; mount under one of them, or ask an admin to add a root to allowed_mount_roots"));
    }

    /** The path with the symbolic links of its longest existing prefix resolved; the missing rest appended as given. */
    static Path realPath(Path path) {
        Path existing = path;
        List<Path> rest = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            rest.addFirst(existing.getFileName());
            existing = existing.getParent();
        }
        if (existing == null) {
            return path;
        }
        Path real;
        try {
            real = existing.toRealPath();
        } catch (IOException e) {
            real = existing;
        }
        for (Path p : rest) {
            real = real.resolve(p);
        }
        return real.normalize();
    }
}
