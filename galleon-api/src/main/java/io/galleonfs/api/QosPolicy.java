package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The seed's {@code QoSPolicy}, with its field names: limits (IOPS, MB/s where 1 MB = 10^6 bytes, a latency target),
 * guarantees (reservations honoured under contention on the serving node) and burst (multiplier x duration on top of
 * the limits). Limits and guarantees count reads and writes together. Every part is optional.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QosPolicy(String name, Limits limits, Guarantees guarantees, Burstable burstable) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Limits(Long iops, @JsonProperty("throughput_mbps") Long throughputMbps,
                         @JsonProperty("latency_ms") Long latencyMs) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Guarantees(Long iops, @JsonProperty("throughput_mbps") Long throughputMbps) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Burstable(Boolean enabled, @JsonProperty("duration_seconds") Long durationSeconds,
                            @JsonProperty("iops_multiplier") Double iopsMultiplier,
                            @JsonProperty("throughput_multiplier") Double throughputMultiplier) {
    }
}
