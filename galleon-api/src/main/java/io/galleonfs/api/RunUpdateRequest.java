package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The claimant reports progress: status running renews the lease; succeeded or failed ends the run. */
public record RunUpdateRequest(String claimant, String status, String error, List<RunArtifact> artifacts,
                               @JsonProperty("lease_seconds") Integer leaseSeconds) {
}
