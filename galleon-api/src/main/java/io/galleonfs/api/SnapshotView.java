package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A snapshot of a volume; {@code stored_bytes} is what its own layer holds (what deleting it could free). */
public record SnapshotView(String name, String volume, @JsonProperty("created_at") String createdAt,
                           @JsonProperty("stored_bytes") long storedBytes) {
}
