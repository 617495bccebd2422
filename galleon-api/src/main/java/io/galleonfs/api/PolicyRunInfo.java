package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One firing of a policy. {@code status}: pending (run-now, not yet claimed), running, succeeded, failed, skipped
 * (concurrency forbid), replaced (concurrency replace), missed ({@code missed_count} firings between
 * {@code scheduled_for} and {@code missed_until} were too late to start).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyRunInfo(
        String id,
        String policy,
        @JsonProperty("scheduled_for") String scheduledFor,
        boolean manual,
        String status,
        @JsonProperty("claimed_by") String claimedBy,
        int attempt,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("finished_at") String finishedAt,
        @JsonProperty("duration_ms") Long durationMs,
        @JsonProperty("lease_until") String leaseUntil,
        String error,
        List<RunArtifact> artifacts,
        @JsonProperty("missed_count") Long missedCount,
        @JsonProperty("missed_until") String missedUntil) {
}
