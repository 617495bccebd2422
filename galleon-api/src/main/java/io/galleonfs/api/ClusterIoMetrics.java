package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The cluster's I/O over the last second, as one node assembles it by asking every member over the node-to-node data
 * plane ({@code GET /api/v1/metrics/cluster}, and once a second as server-sent events under {@code .../stream}).
 * {@code nodes} lists every member, answering or not; {@code volumes} holds each volume's client I/O summed over the
 * nodes it entered through (counted once, where it was served: a forwarded request is not counted again on the
 * primary); {@code replication_apply} is the replicas applying their primaries' streams, per volume and node, kept
 * apart because it is not client I/O. A caller limited to namespaces sees only their volumes, and the node figures
 * are the sums of those volumes.
 */
public record ClusterIoMetrics(@JsonProperty("timestamp_millis") long timestampMillis,
                               @JsonProperty("answered_by") String answeredBy, List<NodeIo> nodes, List<VolumeMetrics> volumes,
                               @JsonProperty("replication_apply") List<ReplicaApply> replicationApply) {

    /** A member answered. */
    public static final String ANSWERED = "ok";
    /** A member in the cluster view that did not answer in time (its figures are unknown, not zero). */
    public static final String NO_ANSWER = "no answer";
    /** A member outside the cluster view: not asked. */
    public static final String DOWN = "down";

    /**
     * One member's last second: client I/O that entered through it and replica operations it applied. {@code state} is
     * {@link #ANSWERED}, {@link #NO_ANSWER} (then {@code error} says why) or {@link #DOWN}; the figures are 0 unless answered.
     */
    public record NodeIo(String node, String state, String error, int volumes,
                         @JsonProperty("read_iops") double readIops, @JsonProperty("write_iops") double writeIops,
                         @JsonProperty("read_mb_per_second") double readMbPerSecond,
                         @JsonProperty("write_mb_per_second") double writeMbPerSecond,
                         @JsonProperty("apply_ops_per_second") double applyOpsPerSecond,
                         @JsonProperty("apply_mb_per_second") double applyMbPerSecond) {

        /** A member without figures. */
        public static NodeIo without(String node, String state, String error) {
            return new NodeIo(node, state, error, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    /**
     * Replica operations (writes, trims, flushes, snapshots) one node applied for one volume: in the last second, and
     * in total since that node started (listed once it applied any).
     */
    public record ReplicaApply(String volume, @JsonProperty("volume_id") String volumeId, String namespace, String node,
                               @JsonProperty("ops_per_second") double opsPerSecond,
                               @JsonProperty("mb_per_second") double mbPerSecond,
                               @JsonProperty("ops_total") long opsTotal, @JsonProperty("bytes_total") long bytesTotal) {
    }
}
