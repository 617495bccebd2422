package io.galleonfs.node.volume.qos;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A measured capacity of this node's storage path: 4 KiB random writes at {@code queueDepth} through the engine on a
 * temporary volume for {@code seconds} (after a warm-up), then 1 MiB writes for as long, at {@code measuredAtMillis}.
 * {@code mbps} (MB/s, 10^6 bytes) is null in a calibration stored before throughput was measured.
 */
public record Calibration(long iops, @JsonProperty("measured_at_millis") long measuredAtMillis, double seconds,
                          @JsonProperty("queue_depth") int queueDepth, Long mbps) {
    public Calibration {
        if (iops <= 0 || seconds <= 0 || queueDepth <= 0 || (mbps != null && mbps <= 0)) {
            throw new IllegalArgumentException("a calibration needs positive iops, seconds, queue depth and MB/s");
        }
    }

    /** A calibration of IOPS only. */
    public Calibration(long iops, long measuredAtMillis, double seconds, int queueDepth) {
        this(iops, measuredAtMillis, seconds, queueDepth, null);
    }
}
