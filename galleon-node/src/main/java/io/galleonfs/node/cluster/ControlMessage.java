package io.galleonfs.node.cluster;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** Messages between nodes on the JGroups channel that are not Raft traffic: joining, and health gossip. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ControlMessage.JoinRequest.class, name = "join_request"),
    @JsonSubTypes.Type(value = ControlMessage.JoinReply.class, name = "join_reply"),
    @JsonSubTypes.Type(value = ControlMessage.LeaveRequest.class, name = "leave_request"),
    @JsonSubTypes.Type(value = ControlMessage.Heartbeat.class, name = "heartbeat"),
    @JsonSubTypes.Type(value = ControlMessage.CommitIndexRequest.class, name = "commit_index_request"),
})
public sealed interface ControlMessage {

    /** A new node asks the leader to add it as a Raft member, with the join token it was started with (may be null). */
    record JoinRequest(String nodeId, @com.fasterxml.jackson.annotation.JsonProperty("join_token") String joinToken)
            implements ControlMessage {
        public JoinRequest(String nodeId) {
            this(nodeId, null);
        }
    }

    /** The leader's answer: the Raft members, the joiner included, or why it was refused. */
    record JoinReply(String nodeId, boolean accepted, List<String> members, String reason) implements ControlMessage {
    }

    /** A member asks the leader to remove it from the Raft membership. */
    record LeaveRequest(String nodeId) implements ControlMessage {
    }

    /**
     * Periodic facts that change too often for the Raft log. {@code capacityIops}: what QoS reservations on the node may
     * add up to (configured or calibrated; 0 unknown, also from a node that predates it); {@code capacityMbps} the same
     * for throughput reservations.
     */
    record Heartbeat(String nodeId, long capacityBytes, long freeBytes, int replicaCount, long sentAtMillis,
                     long reservedBytes, long provisionedBytes, long capacityIops, long capacityMbps) implements ControlMessage {
    }

    /**
     * A follower waits for a change it submitted to be applied locally, and asks the leader to send it the commit
     * index now rather than with its next periodic resend.
     */
    record CommitIndexRequest(String nodeId) implements ControlMessage {
    }
}
