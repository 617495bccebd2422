package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A scheduler claims a firing ({@code scheduled_for}, an ISO instant) or, on {@code .../runs/{id}/claim}, a pending or
 * abandoned run; it holds the run for {@code lease_seconds} and renews the lease while it works.
 */
public record RunClaimRequest(@JsonProperty("scheduled_for") String scheduledFor, String claimant,
                              @JsonProperty("lease_seconds") Integer leaseSeconds) {
}
