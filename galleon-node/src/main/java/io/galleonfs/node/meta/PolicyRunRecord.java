package io.galleonfs.node.meta;

import java.util.List;
import java.util.UUID;

/** One firing of a policy (see {@code PolicyRunInfo} for the statuses). Times are epoch millis, 0 when not yet. */
public record PolicyRunRecord(
        UUID id,
        String policy,
        long scheduledForMillis,
        boolean manual,
        String status,
        String claimedBy,
        int attempt,
        long startedAtMillis,
        long finishedAtMillis,
        long leaseUntilMillis,
        String error,
        List<Artifact> artifacts,
        long missedCount,
        long missedUntilMillis) {

    public static final String PENDING = "pending";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String SKIPPED = "skipped";
    public static final String REPLACED = "replaced";
    public static final String MISSED = "missed";

    /** What a run created on one volume; {@code pruned} once retention deleted it. */
    public record Artifact(String volume, String id, boolean pruned) {
    }

    public PolicyRunRecord {
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
    }

    public boolean finished() {
        return !status.equals(PENDING) && !status.equals(RUNNING);
    }

    boolean holdsLiveArtifacts() {
        return artifacts.stream().anyMatch(a -> !a.pruned());
    }

    PolicyRunRecord renamed(String newPolicy) {
        return new PolicyRunRecord(id, newPolicy, scheduledForMillis, manual, status, claimedBy, attempt, startedAtMillis, finishedAtMillis,
                leaseUntilMillis, error, artifacts, missedCount, missedUntilMillis);
    }

    PolicyRunRecord with(String newStatus, String claimant, int newAttempt, long started, long finished, long leaseUntil, String err,
                         List<Artifact> newArtifacts) {
        return new PolicyRunRecord(id, policy, scheduledForMillis, manual, newStatus, claimant, newAttempt, started, finished, leaseUntil,
                err, newArtifacts, missedCount, missedUntilMillis);
    }
}
