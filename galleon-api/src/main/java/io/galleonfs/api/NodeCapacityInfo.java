package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A node's IOPS capacity for QoS reservations ({@code galleonfs node calibrate}, {@code GET /api/v1/daemon/capacity}).
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
                               @JsonProperty("queue_depth") Integer queueDepth) {
}
