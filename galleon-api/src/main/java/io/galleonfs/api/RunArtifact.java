package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What a run created on one volume: a snapshot name or a backup id; {@code pruned} once retention deleted it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunArtifact(String volume, String id, Boolean pruned) {
}
