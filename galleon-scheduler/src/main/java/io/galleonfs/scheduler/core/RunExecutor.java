package io.galleonfs.scheduler.core;

import io.galleonfs.api.PolicyInfo;
import io.galleonfs.api.PolicyRunInfo;
import io.galleonfs.api.RunArtifact;
import io.galleonfs.api.RunUpdateRequest;
import io.galleonfs.policy.VolumeSelection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Executes one claimed run: a snapshot or a backup of each selected volume, then reports the outcome and applies
 * retention. While it works it renews its lease, so other schedulers only take the run over when this one is gone.
 *
 * <p>A run restarted after a takeover does not duplicate work: a snapshot is named after the run's scheduled time
 * ({@code <policy>-<yyyyMMddHHmmss>}, manual runs end in {@code m}), so the restarted attempt finds the snapshot the
 * dead one made and adopts it; a backup is started with an idempotency key naming the run and the volume, so the
 * restarted attempt is answered with the backup the dead one started.
 */
public final class RunExecutor {
    private static final Logger LOG = Logger.getLogger(RunExecutor.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(ZoneOffset.UTC);

    private final ClusterClient cluster;
    private final Pruner pruner;
    private final ConsistentSnapshot consistent;
    private final SchedulerMetrics metrics;
    private final ScheduledExecutorService renewals;
    private final Clock clock;
    private final String claimant;
    private final int leaseSeconds;
    private final Duration jobPoll;

    public RunExecutor(ClusterClient cluster, SchedulerMetrics metrics, ScheduledExecutorService renewals, Clock clock, String claimant,
                       int leaseSeconds, Duration jobPoll) {
        this.cluster = cluster;
        this.pruner = new Pruner(cluster);
        this.consistent = new ConsistentSnapshot(cluster);
        this.metrics = metrics;
        this.renewals = renewals;
        this.clock = clock;
        this.claimant = claimant;
        this.leaseSeconds = leaseSeconds;
        this.jobPoll = jobPoll;
    }

    static String snapshotName(String policy, PolicyRunInfo run) {
        return policy + "-" + STAMP.format(Instant.parse(run.scheduledFor())) + (run.manual() ? "m" : "");
    }

    /** Runs to the end; never throws (the outcome is reported to the cluster). */
    public void execute(PolicyInfo policy, PolicyRunInfo run) {
        String name = policy.spec().name();
        Instant started = clock.instant();
        ScheduledFuture<?> renewal = renewals.scheduleWithFixedDelay(() -> renew(name, run.id()),
                leaseSeconds * 1000L / 3, leaseSeconds * 1000L / 3, TimeUnit.MILLISECONDS);
        List<RunArtifact> artifacts = new ArrayList<>();
        String error = null;
        try {
            List<String> volumes = covered(policy);
            if (volumes.isEmpty()) {
                throw new ClusterException(0, "the selector matches no volume now");
            }
            boolean application = "application".equals(policy.spec().consistency());
            for (String volume : volumes) {
                String artifact;
                if ("backup".equals(policy.spec().kind())) {
                    ClusterClient.BackupJob job = application
                            ? consistent.around(policy, run, volume, () -> startBackupAndAwaitSnapshot(policy, volume, run))
                            : cluster.startBackup(volume, policy.spec().target(), policy.spec().strategy(), backupKey(run, volume));
                    artifact = awaitBackup(job, volume);
                } else {
                    artifact = application ? consistent.around(policy, run, volume, () -> snapshot(name, volume, run))
                            : snapshot(name, volume, run);
                }
                artifacts.add(new RunArtifact(volume, artifact, false));
            }
        } catch (RuntimeException e) {
            error = e.getMessage();
            LOG.warnf("policy %s run %s failed: %s", name, run.id(), error);
        } finally {
            renewal.cancel(false);
        }
        String status = error == null ? "succeeded" : "failed";
        Duration took = Duration.between(started, clock.instant());
        try {
            if (cluster.update(name, run.id(), new RunUpdateRequest(claimant, status, error, artifacts, null)).isEmpty()) {
                LOG.warnf("policy %s run %s: its outcome was refused (the run was replaced or taken over meanwhile)", name, run.id());
                return;
            }
        } catch (ClusterException e) {
            // The lease runs out and another scheduler takes the run over; its restart adopts what this attempt made.
            LOG.warnf("policy %s run %s: cannot report its outcome: %s", name, run.id(), e.getMessage());
            return;
        }
        metrics.finished(name, status, took);
        if (error == null) {
            try {
                pruner.prune(policy);
            } catch (RuntimeException e) {
                LOG.warnf("policy %s: retention failed (retried after the next run): %s", name, e.getMessage());
            }
        }
    }

    private void renew(String policy, String runId) {
        try {
            cluster.update(policy, runId, new RunUpdateRequest(claimant, "running", null, null, leaseSeconds));
        } catch (RuntimeException e) {
            LOG.debugf("lease renewal of run %s failed: %s", runId, e.getMessage());
        }
    }

    private String snapshot(String policy, String volume, PolicyRunInfo run) {
        String snap = snapshotName(policy, run);
        try {
            cluster.createSnapshot(volume, snap);
        } catch (ClusterException e) {
            if (e.status() == 409 && run.attempt() > 1) {
                LOG.infof("policy %s: snapshot %s of %s was made by an earlier attempt of run %s; adopted", policy, snap, volume, run.id());
                return snap;
            }
            throw e;
        }
        return snap;
    }

    /** The volumes the selector covers now: names alone need no listing; labels and namespaces are matched afresh. */
    private List<String> covered(PolicyInfo policy) {
        var sel = policy.spec().selector();
        VolumeSelection selection = new VolumeSelection(sel.volumes(), sel.labels(), sel.namespace());
        if (selection.labels().isEmpty() && selection.namespace() == null) {
            return selection.names();
        }
        return selection.select(cluster.listVolumes());
    }

    /**
     * The backup's idempotency key is the run and the volume, so an attempt that takes over a run of a scheduler that
     * died is answered with the backup the dead one started instead of starting a second one.
     */
    static String backupKey(PolicyRunInfo run, String volume) {
        return "policy-run:" + run.id() + ":" + volume;
    }

    /** Starts the backup and waits until its job took the snapshot it reads from: the file system may then thaw. */
    private ClusterClient.BackupJob startBackupAndAwaitSnapshot(PolicyInfo policy, String volume, PolicyRunInfo run) {
        ClusterClient.BackupJob job = cluster.startBackup(volume, policy.spec().target(), policy.spec().strategy(), backupKey(run, volume));
        while (job.state() == ClusterClient.BackupJob.State.RUNNING && (job.backupId() == null
                || !cluster.backupSnapshotTaken(job.backupId(), volume))) {
            pause(job);
            job = cluster.job(job.jobId());
        }
        return job;
    }

    private void pause(ClusterClient.BackupJob job) {
        try {
            Thread.sleep(jobPoll.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while waiting for backup job " + job.jobId(), e);
        }
    }

    private String awaitBackup(ClusterClient.BackupJob started, String volume) {
        ClusterClient.BackupJob job = started;
        while (job.state() == ClusterClient.BackupJob.State.RUNNING) {
            pause(job);
            job = cluster.job(job.jobId());
        }
        if (job.state() == ClusterClient.BackupJob.State.FAILED) {
            throw new ClusterException(0, "backup of " + volume + " failed: " + job.error());
        }
        if (job.backupId() == null) {
            throw new ClusterException(0, "backup job " + job.jobId() + " of " + volume + " succeeded without naming its backup");
        }
        return job.backupId();
    }
}
