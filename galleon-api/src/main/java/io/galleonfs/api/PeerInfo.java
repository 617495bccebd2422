package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/** One cluster member: state is up, suspect or down; voter says whether it is a Raft member. */
public record PeerInfo(String id, String state, boolean leader, boolean voter,
                       @JsonProperty("bind_address") String bindAddress, @JsonProperty("ipc_address") String ipcAddress,
                       String zone, Map<String, String> labels,
                       @JsonProperty("capacity_bytes") long capacityBytes, @JsonProperty("free_bytes") long freeBytes,
                       @JsonProperty("replica_count") int replicaCount,
                       @JsonProperty("reserved_bytes") long reservedBytes,
                       @JsonProperty("provisioned_bytes") long provisionedBytes,
                       @JsonProperty("overcommit_ratio") double overcommitRatio,
                       /** IOPS that QoS reservations on the node may add up to (configured or calibrated); 0 unknown. */
                       @JsonProperty("capacity_iops") long capacityIops,
                       /** MB/s that QoS throughput reservations on the node may add up to; 0 unknown. */
                       @JsonProperty("capacity_mbps") long capacityMbps) {
    /** Without a throughput capacity (a node that predates it). */
    public PeerInfo(String id, String state, boolean leader, boolean voter, String bindAddress, String ipcAddress, String zone,
                    Map<String, String> labels, long capacityBytes, long freeBytes, int replicaCount, long reservedBytes,
                    long provisionedBytes, double overcommitRatio, long capacityIops) {
        this(id, state, leader, voter, bindAddress, ipcAddress, zone, labels, capacityBytes, freeBytes, replicaCount, reservedBytes,
                provisionedBytes, overcommitRatio, capacityIops, 0);
    }
}
