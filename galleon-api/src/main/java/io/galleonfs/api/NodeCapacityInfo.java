package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A node's capacity for QoS reservations ({@code galleonfs node calibrate}, {@code GET /api/v1/daemon/capacity}): IOPS
 * and, in the {@code *_mbps} fields, throughput in MB/s (10^6 bytes; {@code galleon.qos.node-mbps}, a 1 MiB write
 * calibration) in the same shape.
 * {@code capacity_iops} is what reservations on the node may add up to (0: unknown, not enforced); {@code source} says
 * where it comes from: "configured" ({@code galleon.qos.node-iops}, overrides a calibration), "calibrated"
 * ({@code calibrated_iops} × {@code usable_fraction}) or "none". The calibration fields are null before the first one.
 */
public record NodeCapacityInfo(String node, @JsonProperty("capacity_iops") long capacityIops, String source,
                               @JsonProperty("configured_iops") long configuredIops,
                               @JsonProperty("calibrated_iops") Long calibratedIops,
                               @JsonProperty("usable_fraction") double usableFraction,
                               @JsonProperty("calibrated_at") String calibratedAt,
                               @JsonProperty("calibration_seconds") Double calibrationSeconds,
                               @JsonProperty("queue_depth") Integer queueDepth,
                               @JsonProperty("capacity_mbps") long capacityMbps,
                               @JsonProperty("source_mbps") String sourceMbps,
                               @JsonProperty("configured_mbps") long configuredMbps,
                               @JsonProperty("calibrated_mbps") Long calibratedMbps) {
    /** Without throughput figures (a node that predates them). */
    public NodeCapacityInfo(String node, long capacityIops, String source, long configuredIops, Long calibratedIops,
                            double usableFraction, String calibratedAt, Double calibrationSeconds, Integer queueDepth) {
        this(node, capacityIops, source, configuredIops, calibratedIops, usableFraction, calibratedAt, calibrationSeconds,
                queueDepth, 0, "none", 0, null);
    }
}
