package io.galleonfs.scheduler.core;

import io.galleonfs.api.PolicyInfo;
import io.galleonfs.api.PolicyRunInfo;
import io.galleonfs.api.RunUpdateRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the scheduler needs from the cluster, all through the nodes' REST API. Methods returning {@link Optional} answer
 * empty when the cluster refused with 409 (another scheduler won, or the run moved on); every other failure throws
 * {@link ClusterException}.
 */
public interface ClusterClient {

    List<PolicyInfo> listPolicies();

    List<PolicyRunInfo> history(String policy);

    /** Claims the firing at {@code scheduledFor}; empty if it was already claimed or recorded as missed. */
    Optional<PolicyRunInfo> claim(String policy, Instant scheduledFor, String claimant, int leaseSeconds);

    /** Acquires a pending manual run, or takes over a running one whose lease expired. */
    Optional<PolicyRunInfo> acquire(String policy, String runId, String claimant, int leaseSeconds);

    /** Renews the lease (status running) or ends the run; empty if the run is no longer this claimant's. */
    Optional<PolicyRunInfo> update(String policy, String runId, RunUpdateRequest update);

    /** Records firings that were too late to start; false if another scheduler already handled them. */
    boolean recordMissed(String policy, Instant from, Instant to, long count);

    void markPruned(String policy, List<String> artifactIds);

    /** @throws ClusterException with status 409 when a snapshot of that name exists */
    void createSnapshot(String volume, String name);

    /** Deletes a snapshot; one that is already gone counts as deleted. */
    void deleteSnapshot(String volume, String name);

    /**
     * Starts a backup ({@code POST /api/v1/backups}); returns its job. A repeated call with the same
     * {@code idempotencyKey} answers the job of the backup the first one started (unless that backup failed).
     */
    BackupJob startBackup(String volume, String target, String strategy, String idempotencyKey);

    /** Every volume with its namespace and labels ({@code GET /api/v1/volumes}): what a policy's selector chooses from. */
    List<io.galleonfs.policy.VolumeSelection.Candidate> listVolumes();

    /** The job's state ({@code GET /api/v1/jobs/{id}}). */
    BackupJob job(String jobId);

    /** Deletes a backup; one that is already gone counts as deleted. */
    void deleteBackup(String backupId);

    /** Starts the repository's prune job on the target ({@code POST /api/v1/backup-targets/{name}/prune}): frees the chunks only deleted backups used. */
    void pruneTarget(String target);

    /**
     * Runs the policy's command hook for {@code phase} on the node that has the volume mounted
     * ({@code POST /api/v1/policies/{name}/hooks/{phase}}).
     */
    HookOutcome runCommandHook(String policy, String phase, String volume, String runId);

    /** Calls a url hook from here; a 2xx answer is success. */
    HookOutcome callUrlHook(io.galleonfs.api.PolicyHook hook, Map<String, String> body);

    /** Freezes the volume's file-system-mode mounts where they are; they thaw by themselves after {@code timeoutSeconds}. */
    List<String> freeze(String volume, int timeoutSeconds);

    /** Thaws the volume; false when it was no longer frozen (its freeze had ended by its timeout). */
    boolean thaw(String volume);

    /** True once the snapshot a backup is made from exists on the volume (the backup job took it). */
    boolean backupSnapshotTaken(String backupId, String volume);

    /** A hook's outcome: {@code failure} says why when it did not succeed (exit code or HTTP status, and its output's tail). */
    record HookOutcome(boolean ok, String failure) {
    }

    /** A backup job: {@code backupId} may be known only once it succeeded. */
    record BackupJob(String jobId, String backupId, State state, String error) {
        public enum State { RUNNING, SUCCEEDED, FAILED }
    }
}
