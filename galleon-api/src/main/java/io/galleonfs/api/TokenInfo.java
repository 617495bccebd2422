package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An API token. {@code secret} is set only in the answer to its creation, the one time it is ever shown; the server
 * keeps only its hash. {@code namespaces} is empty when the token may use every namespace.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenInfo(String id, String name, String role, @JsonProperty("created_at") String createdAt,
                        @JsonProperty("expires_at") String expiresAt, String secret,
                        java.util.List<String> namespaces) {
}
