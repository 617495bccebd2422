package io.galleonfs.node.volume.qos;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A measured IOPS capacity of this node's storage path: 4 KiB random writes at {@code queueDepth} through the engine on a
 * temporary volume for {@code seconds} (after a warm-up), at {@code measuredAtMillis}.
 */
public record Calibration(long iops, @JsonProperty("measured_at_millis") long measuredAtMillis, double seconds,
                          @JsonProperty("queue_depth") int queueDepth) {
    public Calibration {
        if (iops <= 0 || seconds <= 0 || queueDepth <= 0) {
            throw new IllegalArgumentException("a calibration needs positive iops, seconds and queue depth");
        }
    }
}
