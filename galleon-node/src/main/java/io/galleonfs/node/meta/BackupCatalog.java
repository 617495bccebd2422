package io.galleonfs.node.meta;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The backup part of the metadata state machine: targets, the catalog of backups and jobs. Changed only through
 * {@link MetadataState#apply}, so every check here is deterministic. Finished jobs beyond {@link #KEPT_FINISHED_JOBS}
 * are forgotten, oldest first, so the state does not grow without bound.
 */
public final class BackupCatalog {
    static final int KEPT_FINISHED_JOBS = 500;

    private final Map<String, BackupTargetRecord> targets = new TreeMap<>();
    private final Map<String, BackupRecord> backups = new LinkedHashMap<>();
    private final Map<String, JobRecord> jobs = new LinkedHashMap<>();

    public Collection<BackupTargetRecord> targets() {
        return targets.values();
    }

    public Optional<BackupTargetRecord> target(String name) {
        return Optional.ofNullable(targets.get(name));
    }

    /** Catalog entries in creation order. */
    public Collection<BackupRecord> backups() {
        return backups.values();
    }

    public Optional<BackupRecord> backup(String id) {
        return Optional.ofNullable(backups.get(id));
    }

    /** Jobs in creation order. */
    public Collection<JobRecord> jobs() {
        return jobs.values();
    }

    public Optional<JobRecord> job(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    MetaResult createTarget(MetaCommand.CreateBackupTarget c) {
        if (targets.containsKey(c.target().name())) {
            return new MetaResult.Rejected(MetaResult.Reason.CONFLICT, "a backup target named '" + c.target().name() + "' already exists");
        }
        targets.put(c.target().name(), c.target());
        return null;
    }

    MetaResult deleteTarget(MetaCommand.DeleteBackupTarget d) {
        if (!targets.containsKey(d.name())) {
            return new MetaResult.Rejected(MetaResult.Reason.NOT_FOUND, "backup target '" + d.name() + "' not found");
        }
        List<String> using = backups.values().stream().filter(b -> b.target().equals(d.name())).map(BackupRecord::id).toList();
        if (!using.isEmpty() && !d.force()) {
            return new MetaResult.Rejected(MetaResult.Reason.CONFLICT, "backup target '" + d.name() + "' holds " + using.size()
                    + " backup(s) in the catalog; delete them first or use --force (the repository itself is left untouched)");
        }
        using.forEach(backups::remove);
        targets.remove(d.name());
        return null;
    }

    MetaResult putBackup(MetaCommand.PutBackup p) {
        if (!targets.containsKey(p.backup().target())) {
            return new MetaResult.Rejected(MetaResult.Reason.NOT_FOUND, "backup target '" + p.backup().target() + "' not found");
        }
        backups.put(p.backup().id(), p.backup());
        return null;
    }

    MetaResult deleteBackup(MetaCommand.DeleteBackup d) {
        return backups.remove(d.id()) == null
                ? new MetaResult.Rejected(MetaResult.Reason.NOT_FOUND, "backup " + d.id() + " not found") : null;
    }

    MetaResult putJob(MetaCommand.PutJob p) {
        JobRecord old = jobs.get(p.job().id());
        if (old != null && old.finished()) {
            return new MetaResult.Rejected(MetaResult.Reason.CONFLICT, "job " + old.id() + " already " + old.state());
        }
        JobRecord next = old != null && old.cancelRequested() && !p.job().cancelRequested() ? p.job().withCancelRequested() : p.job();
        jobs.put(next.id(), next);
        if (next.finished() && !JobRecord.SUCCEEDED.equals(next.state()) && "backup".equals(next.kind()) && next.backupId() != null) {
            // A backup job that ended before its body could record the outcome (cancelled while queued, or not taken by
            // the node it was handed to) must not leave its backup "running" forever.
            BackupRecord b = backups.get(next.backupId());
            if (b != null && BackupRecord.RUNNING.equals(b.status())) {
                backups.put(b.id(), b.withStatus(BackupRecord.FAILED, next.finishedAtMillis(),
                        next.error() != null ? next.error() : next.state()));
            }
        }
        forgetOldFinishedJobs();
        return null;
    }

    MetaResult failJobsOfNode(MetaCommand.FailJobsOfNode f) {
        for (JobRecord j : List.copyOf(jobs.values())) {
            // A job handed to the node and not taken yet has no incarnation: a restarted node still takes it.
            boolean handedNotTaken = j.incarnation() == null && f.keepIncarnation() != null;
            if (!j.finished() && f.node().equals(j.node()) && !handedNotTaken
                    && (f.keepIncarnation() == null || !f.keepIncarnation().equals(j.incarnation()))) {
                jobs.put(j.id(), j.failed(f.reason(), f.nowMillis()));
                if (j.backupId() != null && j.kind().equals("backup")) {
                    BackupRecord b = backups.get(j.backupId());
                    if (b != null && BackupRecord.RUNNING.equals(b.status())) {
                        backups.put(b.id(), b.withStatus(BackupRecord.FAILED, f.nowMillis(), f.reason()));
                    }
                }
            }
        }
        return null;
    }

    private void forgetOldFinishedJobs() {
        List<JobRecord> finished = jobs.values().stream().filter(JobRecord::finished).toList();
        if (finished.size() > KEPT_FINISHED_JOBS) {
            finished.stream().sorted(Comparator.comparingLong(JobRecord::createdAtMillis).thenComparing(JobRecord::id))
                    .limit(finished.size() - KEPT_FINISHED_JOBS).forEach(j -> jobs.remove(j.id()));
        }
    }

    Image image() {
        return new Image(new ArrayList<>(targets.values()), new ArrayList<>(backups.values()), new ArrayList<>(jobs.values()));
    }

    void restore(Image image) {
        image.targets().forEach(t -> targets.put(t.name(), t));
        image.backups().forEach(b -> backups.put(b.id(), b));
        image.jobs().forEach(j -> jobs.put(j.id(), j));
    }

    record Image(@JsonProperty("backup_targets") List<BackupTargetRecord> targets, List<BackupRecord> backups, List<JobRecord> jobs) {
        Image {
            targets = targets == null ? List.of() : targets;
            backups = backups == null ? List.of() : backups;
            jobs = jobs == null ? List.of() : jobs;
        }
    }
}
