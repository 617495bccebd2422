package io.galleonfs.node.meta;

import java.util.Map;
import java.util.TreeMap;

/** A cluster member's static facts, replicated in metadata: where it listens, its zone and labels, its capacity. */
public record NodeRecord(String id, String bindAddress, String ipcAddress, String zone, Map<String, String> labels,
                         long capacityBytes, long registeredAtMillis) {
    public NodeRecord {
        labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
    }
}
