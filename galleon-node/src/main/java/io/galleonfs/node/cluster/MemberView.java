package io.galleonfs.node.cluster;

/** One member as {@code cluster peers} shows it: state is up, suspect or down. */
public record MemberView(String id, String state, boolean leader, boolean raftVoter, long capacityBytes, long freeBytes,
                         int replicaCount, long lastHeartbeatMillis, long reservedBytes, long provisionedBytes,
                         long capacityIops, long capacityMbps) {
}
