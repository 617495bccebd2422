package io.galleonfs.node.placement;

/** Health of a node as seen by the placement engine. Only {@link #UP} nodes receive new replicas. */
public enum NodeState {
    UP,
    SUSPECT,
    DOWN
}
