package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code cluster status}: who leads, where this node stands, and every member. */
public record ClusterStatus(@JsonProperty("cluster_id") String clusterId, @JsonProperty("cluster_name") String clusterName,
                            String leader, @JsonProperty("this_node") String thisNode,
                            String role, long term, @JsonProperty("commit_index") long commitIndex,
                            @JsonProperty("last_applied") long lastApplied, List<PeerInfo> members) {
}
