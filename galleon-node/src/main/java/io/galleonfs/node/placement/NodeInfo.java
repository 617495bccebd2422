package io.galleonfs.node.placement;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the placement engine knows about one node.
 *
 * <p>A {@code null} zone is normalised to {@code ""} (a node without a zone forms its own unnamed zone) and
 * {@code null} labels to an empty map; labels are copied into an immutable, key-sorted map.
 */
public record NodeInfo(String id, String zone, Map<String, String> labels, long capacityBytes, long freeBytes,
        NodeState state) {

    public NodeInfo {
        Objects.requireNonNull(id, "node id must not be null");
        if (id.isBlank()) {
            throw new IllegalArgumentException("node id must not be blank");
        }
        Objects.requireNonNull(state, () -> "node " + id + ": state must not be null");
        zone = zone == null ? "" : zone;
        labels = labels == null || labels.isEmpty()
                ? Map.of()
                : Collections.unmodifiableMap(new TreeMap<>(labels));
    }
}
