package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A pre- or post-snapshot hook of an application-consistent policy: either a {@code command} (argv, no shell) run on
 * the node that has the volume mounted, or an HTTP call to {@code url} ({@code method} POST by default) made by the
 * scheduler. {@code timeout_seconds} (default 60) bounds either; a command still running then is killed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyHook(List<String> command, String url, String method, @JsonProperty("timeout_seconds") Integer timeoutSeconds) {
}
