package io.galleonfs.node.replication;

/**
 * Admission of background work (rebuild, scrub) by the node's QoS background class: blocks the background thread for
 * the delay its class imposes. Set by the node ({@link ReplicationService#gateBackground}); none by default.
 */
@FunctionalInterface
public interface BackgroundGate {
    BackgroundGate NONE = (work, ops, bytes) -> { };

    /** @param work "rebuild" or "scrub" */
    void admit(String work, long ops, long bytes);
}
