package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Figures of one bench run inside the daemon, against the engine's I/O path. {@code stopped_early} is {@code null} for
 * a run that did its whole total, else why it stopped ("time limit").
 */
public record BenchResult(String volume, @JsonProperty("io_type") String ioType, @JsonProperty("io_pattern") String ioPattern,
                          @JsonProperty("io_size") int ioSize, @JsonProperty("io_threads") int ioThreads,
                          @JsonProperty("write_concern") String writeConcern, long ops, long bytes,
                          @JsonProperty("elapsed_seconds") double elapsedSeconds, double iops,
                          @JsonProperty("mb_per_second") double mbPerSecond,
                          @JsonProperty("latency_p50_micros") double latencyP50Micros,
                          @JsonProperty("latency_p99_micros") double latencyP99Micros,
                          @JsonProperty("stopped_early") String stoppedEarly) {
}
