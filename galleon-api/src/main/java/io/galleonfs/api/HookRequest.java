package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Body of {@code POST /policies/{name}/hooks/{phase}}: the volume the hook is for and the run it belongs to. */
public record HookRequest(String volume, @JsonProperty("run_id") String runId) {
}
