package io.galleonfs.node.replication;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
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

    /** Member id to "up", "suspect" or "down". */
    Map<String, String> memberStates();

    /** Waits (bounded) until this node's applied metadata satisfies {@code condition}; see MetadataStore#awaitState. */
    Optional<MetadataState> awaitState(Predicate<MetadataState> condition, Duration max);
}
