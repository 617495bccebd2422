package io.galleonfs.node.meta;

import java.util.List;
import java.util.Optional;

/**
 * A mount of a volume on a node, recorded so that mounts come back after a daemon restart. {@code options} are
 * normalised by the mount service: exactly one of {@code rw}/{@code ro} first, {@code fs=TYPE} in file-system mode.
 * {@code createdDirs} are the directories the mount had to create (outermost first), removed again at unmount so a
 * mount leaves no trail in the host's tree.
 */
public record MountRecord(String id, String path, List<String> options, String node, List<String> createdDirs) {
    public MountRecord {
        options = options == null ? List.of() : List.copyOf(options);
        createdDirs = createdDirs == null ? List.of() : List.copyOf(createdDirs);
    }

    public MountRecord(String id, String path, List<String> options, String node) {
        this(id, path, options, node, List.of());
    }

    public boolean readOnly() {
        return options.contains("ro");
    }

    /** The real file system mounted at the path in file-system mode; empty for the raw layout (data, README.txt). */
    public Optional<String> fsType() {
        return options.stream().filter(o -> o.startsWith("fs=")).map(o -> o.substring(3)).findFirst();
    }
}
