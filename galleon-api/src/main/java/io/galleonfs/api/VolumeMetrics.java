package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * I/O figures of one volume as measured on the answering node (the node where the I/O entered, whichever frontend it
 * came through). {@code last_1s} and {@code last_10s} are rates and latency percentiles over the most recent one and ten
 * seconds; {@code totals} count since the volume's meter was created on this node (at its first I/O here).
 */
public record VolumeMetrics(String volume, @JsonProperty("volume_id") String volumeId, String namespace, String node,
                            @JsonProperty("timestamp_millis") long timestampMillis, long inflight,
                            @JsonProperty("last_1s") Window lastSecond, @JsonProperty("last_10s") Window lastTenSeconds,
                            Totals totals) {

    /** Rates over {@code seconds} (0 while the node has not measured a whole second yet) and latency of successful ops. */
    public record Window(double seconds, @JsonProperty("read_iops") double readIops, @JsonProperty("write_iops") double writeIops,
                         @JsonProperty("trim_iops") double trimIops, @JsonProperty("flush_iops") double flushIops,
                         @JsonProperty("read_mb_per_second") double readMbPerSecond,
                         @JsonProperty("write_mb_per_second") double writeMbPerSecond,
                         @JsonProperty("errors_per_second") double errorsPerSecond,
                         @JsonProperty("read_latency") Latency readLatency, @JsonProperty("write_latency") Latency writeLatency,
                         @JsonProperty("read_cache_hits_per_second") double readCacheHitsPerSecond,
                         @JsonProperty("read_cache_misses_per_second") double readCacheMissesPerSecond,
                         @JsonProperty("read_cache_hit_ratio") Double readCacheHitRatio) {

        /** A window without read-cache figures (no block read of the window went through the decrypted-block cache). */
        public Window(double seconds, double readIops, double writeIops, double trimIops, double flushIops, double readMbPerSecond,
                      double writeMbPerSecond, double errorsPerSecond, Latency readLatency, Latency writeLatency) {
            this(seconds, readIops, writeIops, trimIops, flushIops, readMbPerSecond, writeMbPerSecond, errorsPerSecond, readLatency,
                    writeLatency, 0, 0, null);
        }

        /**
         * Hits over all block reads of the window that went through the read cache, or null when none did (plain volumes,
         * no reads): the ratio of a window is only meaningful with reads in it.
         */
        public static Double hitRatio(double hits, double misses) {
            double all = hits + misses;
            return all <= 0 ? null : Math.round(hits / all * 1000.0) / 1000.0;
        }

        public double iops() {
            return readIops + writeIops + trimIops + flushIops;
        }
    }

    /** Latency percentiles in milliseconds (0 when there was no such operation in the window). */
    public record Latency(@JsonProperty("p50_ms") double p50Ms, @JsonProperty("p99_ms") double p99Ms,
                          @JsonProperty("p999_ms") double p999Ms) {
    }

    public record Totals(long reads, long writes, long trims, long flushes, @JsonProperty("read_bytes") long readBytes,
                         @JsonProperty("write_bytes") long writeBytes, @JsonProperty("trim_bytes") long trimBytes,
                         @JsonProperty("read_errors") long readErrors, @JsonProperty("write_errors") long writeErrors,
                         @JsonProperty("trim_errors") long trimErrors, @JsonProperty("flush_errors") long flushErrors) {
    }
}
