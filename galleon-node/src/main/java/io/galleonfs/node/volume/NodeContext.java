package io.galleonfs.node.volume;

import io.galleonfs.node.placement.NodeInfo;
import java.util.List;
import java.util.function.Supplier;

/** The facts about this node that volume rules depend on, and the live view of cluster members for placement. */
public record NodeContext(String nodeId, int blockSize, int maxReplicas, boolean encryptionAtRest, String zone,
                          Supplier<List<NodeInfo>> members) {
}
