package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Parameters of {@code galleonfs bench}, as {@code rbd bench}: io type, size, threads, total and pattern, plus a time
 * limit ({@code max_seconds}, default 300) after which the run stops and reports what it did.
 */
public record BenchRequest(@JsonProperty("io_type") String ioType, @JsonProperty("io_size") String ioSize,
                           @JsonProperty("io_threads") Integer ioThreads, @JsonProperty("io_total") String ioTotal,
                           @JsonProperty("io_pattern") String ioPattern, @JsonProperty("write_concern") String writeConcern,
                           @JsonProperty("max_seconds") Integer maxSeconds) {
}
