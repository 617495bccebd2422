package io.galleonfs.scheduler.core;

import io.galleonfs.api.PolicyInfo;
import io.galleonfs.api.PolicyRetention;
import io.galleonfs.api.PolicyRunInfo;
import io.galleonfs.api.PolicySpec;
import io.galleonfs.api.RunArtifact;
import io.galleonfs.api.RunUpdateRequest;
import io.galleonfs.api.VolumeSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * An in-memory test double of {@link ClusterClient} with the node's claim rules (watermark, holder checks), recording
 * every call the scheduler makes. One policy only; not thread-safe beyond what the tests need (synchronized).
 */
final class FakeCluster implements ClusterClient {
    PolicySpec spec;
    Instant watermark;
    boolean suspended;
    final Map<String, PolicyRunInfo> runs = new LinkedHashMap<>();
    final Set<String> snapshots = new TreeSet<>();
    final Set<String> backups = new TreeSet<>();
    final List<String> calls = new ArrayList<>();
    final Map<String, Integer> jobPolls = new LinkedHashMap<>();
    /** The node's idempotency keys: key → the job of the backup it started. */
    final Map<String, String> backupKeys = new LinkedHashMap<>();
    final List<io.galleonfs.policy.VolumeSelection.Candidate> volumes = new ArrayList<>();

    FakeCluster(String kind, String schedule, Long deadline, PolicyRetention retention, Instant created) {
        spec = new PolicySpec("nightly", schedule, retention, "incremental", "crash", "UTC", kind, kind.equals("backup") ? "offsite" : null,
                new VolumeSelector(List.of("db"), Map.of()), "forbid", deadline, false);
        watermark = created;
    }

    @Override
    public synchronized List<PolicyInfo> listPolicies() {
        List<PolicyRunInfo> open = runs.values().stream().filter(r -> r.status().equals("pending") || r.status().equals("running")).toList();
        return List.of(new PolicyInfo("id", spec, suspended ? "suspended" : "active", watermark.toString(), watermark.toString(), null, null, open));
    }

    @Override
    public synchronized List<PolicyRunInfo> history(String policy) {
        return List.copyOf(runs.values());
    }

    @Override
    public synchronized Optional<PolicyRunInfo> claim(String policy, Instant scheduledFor, String claimant, int leaseSeconds) {
        calls.add("claim " + scheduledFor + " by " + claimant);
        if (!scheduledFor.isAfter(watermark) || suspended) {
            return Optional.empty();
        }
        watermark = scheduledFor;
        PolicyRunInfo run = new PolicyRunInfo(UUID.randomUUID().toString(), policy, scheduledFor.toString(), false, "running", claimant, 1,
                null, null, null, Instant.MAX.toString(), null, List.of(), null, null);
        runs.put(run.id(), run);
        return Optional.of(run);
    }

    @Override
    public synchronized Optional<PolicyRunInfo> acquire(String policy, String runId, String claimant, int leaseSeconds) {
        calls.add("acquire " + runId + " by " + claimant);
        PolicyRunInfo r = runs.get(runId);
        PolicyRunInfo taken = new PolicyRunInfo(r.id(), policy, r.scheduledFor(), r.manual(), "running", claimant, r.attempt() + 1, null, null,
                null, Instant.MAX.toString(), null, r.artifacts(), null, null);
        runs.put(runId, taken);
        return Optional.of(taken);
    }

    @Override
    public synchronized Optional<PolicyRunInfo> update(String policy, String runId, RunUpdateRequest u) {
        PolicyRunInfo r = runs.get(runId);
        if (!r.status().equals("running") || !r.claimedBy().equals(u.claimant())) {
            return Optional.empty();
        }
        if (u.status().equals("running")) {
            return Optional.of(r);
        }
        calls.add("end " + r.scheduledFor() + " " + u.status() + (u.error() == null ? "" : ": " + u.error()));
        PolicyRunInfo done = new PolicyRunInfo(r.id(), policy, r.scheduledFor(), r.manual(), u.status(), r.claimedBy(), r.attempt(), null,
                null, 1L, null, u.error(), u.artifacts(), null, null);
        runs.put(runId, done);
        return Optional.of(done);
    }

    @Override
    public synchronized boolean recordMissed(String policy, Instant from, Instant to, long count) {
        calls.add("missed " + count + " " + from + ".." + to);
        if (!from.isAfter(watermark)) {
            return false;
        }
        watermark = to;
        return true;
    }

    @Override
    public synchronized void markPruned(String policy, List<String> ids) {
        calls.add("pruned " + ids);
        runs.replaceAll((k, r) -> new PolicyRunInfo(r.id(), r.policy(), r.scheduledFor(), r.manual(), r.status(), r.claimedBy(), r.attempt(),
                null, null, r.durationMs(), r.leaseUntil(), r.error(),
                r.artifacts().stream().map(a -> ids.contains(a.id()) ? new RunArtifact(a.volume(), a.id(), true) : a).toList(), null, null));
    }

    @Override
    public synchronized void createSnapshot(String volume, String name) {
        sequence.add("snapshot " + volume + (frozen ? " (frozen)" : ""));
        if (!snapshots.add(volume + "/" + name)) {
            throw new ClusterException(409, "snapshot " + name + " exists");
        }
    }

    @Override
    public synchronized void deleteSnapshot(String volume, String name) {
        snapshots.remove(volume + "/" + name);
    }

    @Override
    public synchronized BackupJob startBackup(String volume, String target, String strategy, String idempotencyKey) {
        String earlier = backupKeys.get(idempotencyKey);
        if (earlier != null) {
            calls.add("backup " + volume + " answered by " + earlier);
            return job(earlier);
        }
        String job = "job-" + (jobPolls.size() + 1);
        jobPolls.put(job, 0);
        backupKeys.put(idempotencyKey, job);
        calls.add("backup " + volume + " to " + target + " " + strategy);
        return new BackupJob(job, null, BackupJob.State.RUNNING, null);
    }

    @Override
    public synchronized List<io.galleonfs.policy.VolumeSelection.Candidate> listVolumes() {
        calls.add("list volumes");
        return List.copyOf(volumes);
    }

    @Override
    public synchronized BackupJob job(String jobId) {
        int polls = jobPolls.merge(jobId, 1, Integer::sum);
        if (polls < 2) {
            return new BackupJob(jobId, null, BackupJob.State.RUNNING, null);
        }
        String backup = "b-" + jobId;
        backups.add(backup);
        return new BackupJob(jobId, backup, BackupJob.State.SUCCEEDED, null);
    }

    @Override
    public synchronized void deleteBackup(String backupId) {
        calls.add("delete backup " + backupId);
        backups.remove(backupId);
    }

    /** Outcome of the next command hooks by phase (absent: success). */
    final Map<String, String> hookFailures = new LinkedHashMap<>();
    boolean frozen;
    /** Hooks, freezes and snapshots in the order they happened. */
    final List<String> sequence = new ArrayList<>();

    @Override
    public synchronized HookOutcome runCommandHook(String policy, String phase, String volume, String runId) {
        sequence.add(phase + "-hook " + volume);
        String f = hookFailures.get(phase);
        return f == null ? new HookOutcome(true, null) : new HookOutcome(false, f);
    }

    @Override
    public synchronized HookOutcome callUrlHook(io.galleonfs.api.PolicyHook hook, Map<String, String> body) {
        sequence.add(body.get("phase") + "-url " + hook.url());
        String f = hookFailures.get(body.get("phase"));
        return f == null ? new HookOutcome(true, null) : new HookOutcome(false, f);
    }

    @Override
    public synchronized List<String> freeze(String volume, int timeoutSeconds) {
        sequence.add("freeze " + volume);
        frozen = true;
        return List.of("/mnt/" + volume);
    }

    @Override
    public synchronized boolean thaw(String volume) {
        sequence.add("thaw " + volume);
        boolean was = frozen;
        frozen = false;
        return was;
    }

    @Override
    public synchronized boolean backupSnapshotTaken(String backupId, String volume) {
        return true;
    }

    @Override
    public synchronized void pruneTarget(String target) {
        calls.add("prune target " + target);
    }
}
