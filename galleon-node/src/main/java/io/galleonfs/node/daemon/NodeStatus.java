package io.galleonfs.node.daemon;

import java.time.Instant;

/**
 * This daemon's own state, for the adapters that report it (readiness, {@code /daemon/status}, audit records) and must
 * also answer while the node starts.
 */
public interface NodeStatus {
    /** True once every service is up, false again from the start of shutdown. */
    boolean ready();

    /** This node's id, or null before it has been read from (or created in) the storage path. */
    String nodeId();

    /** When the node became ready; null before. */
    Instant startedAt();

    /** Capacity, free space, reserve and provisioned bytes of this node's storage, measured now. */
    StorageSpace space();
}
