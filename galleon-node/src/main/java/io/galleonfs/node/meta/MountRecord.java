package io.galleonfs.node.meta;

import java.util.List;

/** A mount of a volume on a node, recorded so that mounts come back after a daemon restart. */
public record MountRecord(String id, String path, List<String> options, String node) {
    public MountRecord {
        options = options == null ? List.of() : List.copyOf(options);
    }
}
