package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Answer to a data write: what was written and with which guarantee. */
public record WriteResult(long offset, @JsonProperty("bytes_written") long bytesWritten,
                          @JsonProperty("write_concern") String writeConcern) {
}
