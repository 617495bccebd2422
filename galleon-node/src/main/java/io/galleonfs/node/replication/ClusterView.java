package io.galleonfs.node.replication;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.MetadataStore;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** What replication needs from the cluster layer; kept narrow so the replication code is testable without Quarkus. */
public interface ClusterView {
    String nodeId();

    MetadataState state();

    MetaResult submit(MetaCommand command) throws IOException;

    /** True on the Raft leader, which alone runs failover decisions. */
    boolean isLeader();

    /**
     * True while this node's group view holds a majority of the Raft members, so a leader it can reach may exist or be
     * elected. False on the minority side of a partition: no metadata change can commit there until it heals.
     */
    default boolean majorityReachable() {
        return true;
    }

    /** Member id to "up", "suspect" or "down". */
    Map<String, String> memberStates();

    /**
     * Waits (bounded) until this node's applied metadata satisfies {@code condition}; see MetadataStore#awaitState. The
     * default polls; the node's view waits on the store's apply signal.
     */
    default Optional<MetadataState> awaitState(Predicate<MetadataState> condition, Duration max) {
        MetadataStore polling = new MetadataStore() {
            @Override
            public MetadataState state() {
                return ClusterView.this.state();
            }

            @Override
            public MetaResult submit(MetaCommand command) throws IOException {
                return ClusterView.this.submit(command);
            }
        };
        return polling.awaitState(condition, max);
    }
}
