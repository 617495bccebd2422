package io.galleonfs.node.volume;

/** The facts about this node that volume rules depend on. */
public record NodeContext(String nodeId, int blockSize, int maxReplicas, boolean encryptionAtRest, String zone, int clusterSize) {
}
