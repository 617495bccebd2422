package io.galleonfs.node.backup;

import io.galleonfs.api.CreateVolumeRequest;
import io.galleonfs.api.RestoreBackupRequest;
import io.galleonfs.api.Sizes;
import io.galleonfs.backup.BackupException;
import io.galleonfs.backup.BackupManifest;
import io.galleonfs.backup.BackupNotFoundException;
import io.galleonfs.backup.BackupRepository;
import io.galleonfs.backup.BackupRequest;
import io.galleonfs.backup.BackupStats;
import io.galleonfs.backup.BackupStrategy;
import io.galleonfs.backup.ChunkProblem;
import io.galleonfs.backup.CopyResult;
import io.galleonfs.backup.Progress;
import io.galleonfs.backup.PruneResult;
import io.galleonfs.backup.VerifyResult;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.SnapshotInfo;
import io.galleonfs.engine.Volume;
import io.galleonfs.node.meta.BackupRecord;
import io.galleonfs.node.meta.BackupTargetRecord;
import io.galleonfs.node.meta.JobRecord;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.MetaCommands;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.volume.VolumeService;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.roaringbitmap.RoaringBitmap;

/**
 * Backups of volumes as jobs: backup (from a snapshot it creates, reading only the blocks the engine's layer maps say
 * changed since the base backup's snapshot), restore to a new volume or in place, verify, copy to another target,
 * delete and prune. Every request is validated before a job is queued, so bad input is a 4xx that changes nothing.
 */
public final class BackupService {
    private static final Logger LOG = Logger.getLogger(BackupService.class);
    static final String SNAPSHOT_PREFIX = "backup-";
    static final long PROVISION_WAIT_MILLIS = 30_000;

    /** Bytes moved by jobs, for metrics. */
    public interface ByteCounter {
        ByteCounter NONE = (kind, bytes) -> { };

        void add(String kind, long bytes);
    }

    private final MetadataStore store;
    private final MetaCommands commands;
    private final VolumeService volumes;
    private final VolumeDataService data;
    private final BlockEngine engine;
    private final TargetService targets;
    private final JobRunner jobs;
    private final Clock clock;
    private final ByteCounter bytes;

    public BackupService(MetadataStore store, VolumeService volumes, VolumeDataService data, BlockEngine engine, TargetService targets,
                         JobRunner jobs, Clock clock, ByteCounter bytes) {
        this.store = store;
        this.commands = new MetaCommands(store);
        this.volumes = volumes;
        this.data = data;
        this.engine = engine;
        this.targets = targets;
        this.jobs = jobs;
        this.clock = clock;
        this.bytes = bytes;
        BackupRepository.warmUpCrypto();
    }

    public JobRunner jobs() {
        return jobs;
    }

    public List<BackupRecord> list(String volumeRefOrNull) {
        List<BackupRecord> all = List.copyOf(store.state().backups().backups());
        if (volumeRefOrNull == null || volumeRefOrNull.isBlank()) {
            return all;
        }
        Optional<VolumeRecord> v = volumes.find(volumeRefOrNull);
        return all.stream().filter(b -> v.map(x -> x.id().toString().equals(b.volumeId())).orElse(false)
                || volumeRefOrNull.equals(b.volumeName()) || volumeRefOrNull.equals(b.volumeId())).toList();
    }

    public BackupRecord get(String id) {
        return store.state().backups().backup(id).orElseThrow(() -> GalleonException.notFound("backup " + id + " not found"));
    }

    // ------------------------------------------------------------------ backup

    public JobRecord backup(String volumeRef, String targetName, String strategyText) {
        return backup(volumeRef, targetName, strategyText, null);
    }

    /**
     * A backup whose request carries an idempotency key (e.g. a scheduler's run id): a repeated request with the key
     * answers the job of the backup the first one started while that backup runs or completed, so a scheduler that
     * takes over a run of one that died never makes a second backup. A failed backup frees its key.
     */
    public JobRecord backup(String volumeRef, String targetName, String strategyText, String idempotencyKey) {
        if (idempotencyKey != null) {
            IdempotencyKeys.requireValid(idempotencyKey);
            Optional<JobRecord> earlier = IdempotencyKeys.jobOf(store.state(), idempotencyKey);
            if (earlier.isPresent()) {
                return earlier.get();
            }
        }
        if (volumeRef == null || volumeRef.isBlank()) {
            throw GalleonException.badRequest("volume is required");
        }
        if (targetName == null || targetName.isBlank()) {
            throw GalleonException.badRequest("target is required");
        }
        BackupStrategy requested = parseStrategy(strategyText);
        VolumeRecord v = volumes.get(volumeRef);
        BackupTargetRecord target = targets.get(targetName);
        boolean here = v.node().equals(jobs.nodeId());
        if (here && engine.find(v.id()).isEmpty()) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "volume '" + v.name() + "' is not stored on its primary "
                    + v.node() + " (this node)");
        }
        if (!here) {
            requireMember(v.node(), v.name());
        }
        Optional<BackupRecord> parent = switch (requested) {
            case FULL -> Optional.empty();
            case INCREMENTAL -> lastCompleted(v, target.name(), false);
            case DIFFERENTIAL -> lastCompleted(v, target.name(), true);
        };
        String id = UUID.randomUUID().toString();
        String snapshot = SNAPSHOT_PREFIX + id;
        BackupStrategy strategy = parent.isEmpty() ? BackupStrategy.FULL : requested;
        long now = clock.millis();
        BackupRecord running = new BackupRecord(id, v.id().toString(), v.name(), target.name(), lower(strategy),
                parent.map(BackupRecord::id).orElse(null), snapshot, BackupRecord.RUNNING, v.sizeBytes(), 0, 0, 0, null, now, 0, null, null);
        if (idempotencyKey == null) {
            commands.submit(new MetaCommand.PutBackup(running));
        } else if (!IdempotencyKeys.put(commands, running, idempotencyKey, now)) {
            return IdempotencyKeys.jobOf(store.state(), idempotencyKey).orElseThrow(() -> GalleonException.conflict(
                    "a backup with idempotency key '" + idempotencyKey + "' is being started; retry"));
        }
        try {
            if (!here) {
                // Only the primary reads the volume consistently (its snapshot is the truth): the job is handed to it.
                return jobs.handOff("backup", v.node(), target.name(), id, v.name());
            }
            return jobs.submit("backup", target.name(), id, v.name(), ctx -> runBackup(ctx, v, target, running, requested, parent));
        } catch (RuntimeException e) {
            commands.submit(new MetaCommand.DeleteBackup(id));
            throw e;
        }
    }

    private String runBackup(JobRunner.Context ctx, VolumeRecord v, BackupTargetRecord target, BackupRecord record,
                             BackupStrategy requested, Optional<BackupRecord> parent) throws Exception {
        BackupRecord rec = withJob(record, ctx.jobId());
        boolean snapshotTaken = false;
        try (OpenRepository repo = OpenRepository.open(target)) {
            data.createSnapshot(v.id().toString(), rec.snapshot());
            snapshotTaken = true;
            Volume local = engine.find(v.id()).orElseThrow(() -> new GalleonException(GalleonException.Kind.UNAVAILABLE,
                    "volume '" + v.name() + "' is no longer stored on this node"));
            String baseSnapshot = parent.map(BackupRecord::snapshot).orElse(null);
            BackupStrategy strategy = parent.isEmpty() ? BackupStrategy.FULL : requested;
            String note = parent.isEmpty() && requested != BackupStrategy.FULL ? "no earlier backup on this target: taken as full" : null;
            if (parent.isPresent() && (baseSnapshot == null || !hasSnapshot(local, baseSnapshot))) {
                strategy = BackupStrategy.FULL;
                baseSnapshot = null;
                note = "the base backup's snapshot is gone: taken as full";
            }
            String parentManifest = strategy == BackupStrategy.FULL ? null : parent.map(BackupRecord::manifestId).orElse(null);
            if (note != null) {
                ctx.message(note);
            }
            RoaringBitmap blocks = local.changedBlocks(baseSnapshot, rec.snapshot());
            VolumeIo io = new SnapshotReads(local, v.name(), background);
            SnapshotSource source = new SnapshotSource(io, rec.snapshot(), local.sizeBytes(), local.blockSize(), blocks);
            BackupManifest manifest = repo.repository().backup(
                    new BackupRequest(v.id().toString(), v.name(), strategy, parentManifest, rec.snapshot(),
                            Map.of("storage_class", v.storageClass(), "node", jobs.nodeId())),
                    source, progress(ctx), ctx::cancelled);
            BackupStats s = manifest.info().stats();
            bytes.add("backup", s.bytesRead());
            BackupRecord done = new BackupRecord(rec.id(), rec.volumeId(), rec.volumeName(), rec.target(), lower(strategy),
                    strategy == BackupStrategy.FULL ? null : rec.parentId(), rec.snapshot(), BackupRecord.COMPLETED, manifest.info().sizeBytes(),
                    s.bytesRead(), s.bytesNew(), s.bytesStored(), ctx.jobId(), rec.createdAtMillis(), clock.millis(), null, manifest.info().id());
            commands.submit(new MetaCommand.PutBackup(done));
            dropUnneededBaseSnapshots(v);
            return "backup " + rec.id() + " (" + lower(strategy) + "): read " + s.bytesRead() + " bytes (" + blocks.getLongCardinality()
                    + " blocks), " + s.bytesNew() + " new, " + s.bytesStored() + " stored" + (note == null ? "" : "; " + note);
        } catch (Exception | Error e) {
            String reason = e instanceof JobRunner.Cancelled || e instanceof io.galleonfs.backup.BackupCancelledException
                    ? "cancelled" : BackupErrors.reason(e);
            try {
                commands.submit(new MetaCommand.PutBackup(rec.withStatus(BackupRecord.FAILED, clock.millis(), reason)));
            } catch (RuntimeException again) {
                LOG.warnf("backup %s: its failure could not be recorded: %s", rec.id(), again.getMessage());
            }
            if (snapshotTaken) {
                deleteSnapshotQuietly(v, rec.snapshot());
            }
            throw e;
        }
    }

    private static BackupRecord withJob(BackupRecord r, String jobId) {
        return new BackupRecord(r.id(), r.volumeId(), r.volumeName(), r.target(), r.strategy(), r.parentId(), r.snapshot(), r.status(),
                r.sizeBytes(), r.bytesRead(), r.bytesNew(), r.bytesStored(), jobId, r.createdAtMillis(), r.finishedAtMillis(), r.error(),
                r.manifestId());
    }

    /** Backups read and restores write through the node's background QoS class (set once at start; null: not throttled). */
    public void gateBackground(io.galleonfs.node.volume.qos.BackgroundQos background) {
        this.background = background;
    }

    private volatile io.galleonfs.node.volume.qos.BackgroundQos background;

    private Optional<BackupRecord> lastCompleted(VolumeRecord v, String target, boolean fullOnly) {
        return store.state().backups().backups().stream()
                .filter(b -> b.completed() && b.target().equals(target) && b.volumeId().equals(v.id().toString()))
                .filter(b -> !fullOnly || b.strategy().equals("full"))
                .max(Comparator.comparingLong(BackupRecord::createdAtMillis));
    }

    /**
     * Keeps, per target, the snapshots of the volume's last backup (base of the next incremental) and of its last full
     * (base of the next differential); every other backup snapshot of the volume goes.
     */
    private void dropUnneededBaseSnapshots(VolumeRecord v) {
        Volume local = engine.find(v.id()).orElse(null);
        if (local == null) {
            return;
        }
        Set<String> keep = new HashSet<>();
        for (BackupTargetRecord t : store.state().backups().targets()) {
            lastCompleted(v, t.name(), false).map(BackupRecord::snapshot).ifPresent(keep::add);
            lastCompleted(v, t.name(), true).map(BackupRecord::snapshot).ifPresent(keep::add);
        }
        store.state().backups().backups().stream()
                .filter(b -> BackupRecord.RUNNING.equals(b.status()) && b.volumeId().equals(v.id().toString()))
                .map(BackupRecord::snapshot).forEach(keep::add);
        for (SnapshotInfo s : local.snapshots()) {
            if (s.name().startsWith(SNAPSHOT_PREFIX) && !keep.contains(s.name())) {
                deleteSnapshotQuietly(v, s.name());
            }
        }
    }

    private void deleteSnapshotQuietly(VolumeRecord v, String snapshot) {
        try {
            data.deleteSnapshot(v.id().toString(), snapshot);
        } catch (RuntimeException e) {
            LOG.warnf("volume %s: backup snapshot %s not deleted: %s", v.name(), snapshot, e.getMessage());
        }
    }

    private static boolean hasSnapshot(Volume v, String name) {
        return v.snapshots().stream().anyMatch(s -> s.name().equals(name));
    }

    /** Deletes backup snapshots of local volumes that no running or completed backup needs (left by a crash). */
    public void cleanUpOrphanSnapshots() {
        for (VolumeRecord v : store.state().volumes()) {
            if (v.node().equals(jobs.nodeId()) && engine.find(v.id()).isPresent()) {
                try {
                    dropUnneededBaseSnapshots(v);
                } catch (RuntimeException e) {
                    LOG.warnf("volume %s: backup snapshots not cleaned up: %s", v.name(), e.getMessage());
                }
            }
        }
    }

    // ------------------------------------------------------------------ restore

    public JobRecord restore(String id, RestoreBackupRequest r) {
        BackupRecord b = completed(id);
        BackupTargetRecord target = targets.get(b.target());
        boolean inPlace = r != null && Boolean.TRUE.equals(r.inPlace());
        String toVolume = r == null ? null : r.toVolume();
        if (inPlace == (toVolume != null && !toVolume.isBlank())) {
            throw GalleonException.badRequest("give either to_volume (a new volume) or in_place");
        }
        VolumeRecord v;
        boolean created;
        if (inPlace) {
            v = volumes.find(b.volumeId()).orElseThrow(() -> GalleonException.notFound("volume " + b.volumeName() + " (" + b.volumeId()
                    + ") of backup " + b.id() + " no longer exists; restore to a new volume instead"));
            boolean force = Boolean.TRUE.equals(r.force());
            List<String> clients = volumes.clients().of(v.id());
            if (!force && (!v.mounts().isEmpty() || !clients.isEmpty())) {
                throw GalleonException.conflict("volume '" + v.name() + "' is " + (v.mounts().isEmpty() ? "exported to " + String.join(", ", clients)
                        : "mounted at " + String.join(", ", v.mounts().stream().map(m -> m.path()).toList()))
                        + "; unmount or disconnect it first, or use --force");
            }
            if (v.sizeBytes() < b.sizeBytes()) {
                throw GalleonException.conflict("volume '" + v.name() + "' has " + v.sizeBytes() + " bytes, less than the backup's "
                        + b.sizeBytes() + "; expand it first or restore to a new volume");
            }
            created = false;
        } else {
            long size = b.sizeBytes();
            if (r.size() != null && !r.size().isBlank()) {
                long wanted;
                try {
                    wanted = Sizes.parse(r.size());
                } catch (IllegalArgumentException e) {
                    throw GalleonException.badRequest(e.getMessage());
                }
                if (wanted < b.sizeBytes()) {
                    throw GalleonException.conflict("size " + r.size() + " is smaller than the backup (" + b.sizeBytes() + " bytes)");
                }
                size = wanted;
            }
            String storageClass = r.storageClass();
            if (storageClass == null || storageClass.isBlank()) {
                storageClass = volumes.find(b.volumeId()).map(VolumeRecord::storageClass).orElse(null);
            }
            v = volumes.create(new CreateVolumeRequest(toVolume, null, Long.toString(size), storageClass, null, null));
            created = true;
        }
        VolumeRecord dest = v;
        if (!dest.node().equals(jobs.nodeId())) {
            // The destination's primary orders its writes: the restore runs there, not forwarded block by block.
            requireMember(dest.node(), dest.name());
            return jobs.handOff("restore", dest.node(), target.name(), b.id(), dest.name());
        }
        return jobs.submit("restore", target.name(), b.id(), dest.name(), restoreWork(b, target, dest, created));
    }

    private JobRunner.Work restoreWork(BackupRecord b, BackupTargetRecord target, VolumeRecord dest, boolean created) {
        return ctx -> {
            try (OpenRepository repo = OpenRepository.open(target)) {
                // Background work: admitted by the node's background class, not the volume's client QoS (SPEC 4).
                VolumeIo io = data.backgroundIo(dest);
                // closed (a background flush awaited) before a failed restore deletes the volume below
                try (VolumeSink sink = new VolumeSink(io, created, background)) {
                    repo.repository().restore(b.manifestId(), sink, progress(ctx), ctx::cancelled);
                }
                bytes.add("restore", b.sizeBytes());
                return "restored backup " + b.id() + " into volume '" + dest.name() + "' (" + b.sizeBytes() + " bytes, verified)";
            } catch (Exception e) {
                if (created) {
                    // A partly restored volume would hold wrong data: it goes, the job says why.
                    try {
                        volumes.delete(dest.id().toString(), true);
                    } catch (RuntimeException again) {
                        LOG.warnf("restore of %s: partly restored volume %s not deleted: %s", b.id(), dest.name(), again.getMessage());
                    }
                }
                throw e;
            }
        };
    }

    // ------------------------------------------------------------------ jobs handed over by other nodes

    private void requireMember(String node, String volume) {
        if (store.state().node(node).isEmpty()) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "volume '" + volume + "' has its primary on node " + node
                    + ", which is not a member of the cluster");
        }
    }

    /**
     * Takes the backup and restore jobs other nodes handed to this one (it is the primary of their volume). Called on
     * every supervisor tick; a job this node can no longer run (the volume moved or went) fails with the reason.
     */
    public void takeHandedJobs() {
        for (JobRecord j : jobs.handedToMe()) {
            if (notProvisionedYet(j)) {
                continue;
            }
            try {
                JobRunner.Work work = switch (j.kind()) {
                    case "backup" -> handedBackup(j);
                    case "restore" -> handedRestore(j);
                    default -> throw new GalleonException(GalleonException.Kind.BAD_REQUEST, "jobs of kind " + j.kind() + " are not handed over");
                };
                jobs.adopt(j, work);
            } catch (GalleonException e) {
                LOG.warnf("job %s (%s) handed to this node cannot run: %s", j.id(), j.kind(), e.getMessage());
                jobs.failHanded(j, e.getMessage());
            }
        }
    }

    /** A volume created for a restore is provisioned by its primary when it applies the creation: wait a little for it. */
    private boolean notProvisionedYet(JobRecord j) {
        if (!"restore".equals(j.kind()) || clock.millis() - j.createdAtMillis() > PROVISION_WAIT_MILLIS) {
            return false;
        }
        return volumes.find(j.volume()).filter(v -> v.node().equals(jobs.nodeId()) && engine.find(v.id()).isEmpty()).isPresent();
    }

    private JobRunner.Work handedBackup(JobRecord j) {
        BackupRecord rec = get(j.backupId());
        if (!BackupRecord.RUNNING.equals(rec.status())) {
            throw GalleonException.conflict("backup " + rec.id() + " is " + rec.status());
        }
        VolumeRecord v = localPrimary(rec.volumeId(), rec.volumeName());
        BackupTargetRecord target = targets.get(rec.target());
        Optional<BackupRecord> parent = rec.parentId() == null ? Optional.empty() : store.state().backups().backup(rec.parentId());
        BackupStrategy requested = parseStrategy(rec.strategy());
        return ctx -> runBackup(ctx, v, target, rec, requested, parent);
    }

    private JobRunner.Work handedRestore(JobRecord j) {
        BackupRecord b = completed(j.backupId());
        BackupTargetRecord target = targets.get(b.target());
        VolumeRecord dest = volumes.find(j.volume()).orElseThrow(() -> GalleonException.notFound("volume " + j.volume() + " is gone"));
        localPrimary(dest.id().toString(), dest.name());
        // An in-place restore writes the backup's own volume; any other destination was created for this restore.
        boolean created = !dest.id().toString().equals(b.volumeId());
        return restoreWork(b, target, dest, created);
    }

    private VolumeRecord localPrimary(String volumeId, String name) {
        VolumeRecord v = volumes.find(volumeId).orElseThrow(() -> GalleonException.notFound("volume " + name + " is gone"));
        if (!v.node().equals(jobs.nodeId()) || engine.find(v.id()).isEmpty()) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "volume '" + v.name() + "' now has its primary on node "
                    + v.node() + "; run the job again");
        }
        return v;
    }

    // ------------------------------------------------------------------ verify, copy, delete, prune

    public JobRecord verify(String id, boolean quick) {
        BackupRecord b = completed(id);
        BackupTargetRecord target = targets.get(b.target());
        return jobs.submit("verify", target.name(), b.id(), b.volumeName(), ctx -> {
            try (OpenRepository repo = OpenRepository.open(target)) {
                VerifyResult result = repo.repository().verify(b.manifestId(), quick, progress(ctx), ctx::cancelled);
                bytes.add("verify", result.bytesChecked());
                if (!result.ok()) {
                    ChunkProblem p = result.problems().getFirst();
                    throw new GalleonException(GalleonException.Kind.DATA_INTEGRITY, result.problems().size() + " bad chunk(s); first: chunk "
                            + p.chunkId() + (p.packId() == null ? "" : " in pack " + p.packId()) + " backing volume bytes [" + p.volumeOffset()
                            + ", " + (p.volumeOffset() + p.length()) + "): " + p.reason());
                }
                return (quick ? "quick verify" : "verify") + " of backup " + b.id() + ": " + result.chunksChecked() + " chunks, "
                        + result.bytesChecked() + " bytes, all good";
            }
        });
    }

    public JobRecord copy(String id, String toTarget) {
        BackupRecord b = completed(id);
        BackupTargetRecord from = targets.get(b.target());
        if (toTarget == null || toTarget.isBlank()) {
            throw GalleonException.badRequest("to_target is required");
        }
        BackupTargetRecord to = targets.get(toTarget);
        if (to.name().equals(from.name())) {
            throw GalleonException.badRequest("backup " + id + " is already on target '" + to.name() + "'");
        }
        return jobs.submit("copy", to.name(), b.id(), b.volumeName(), ctx -> {
            try (OpenRepository src = OpenRepository.open(from); OpenRepository dst = OpenRepository.open(to)) {
                CopyResult result = src.repository().copyTo(b.manifestId(), dst.repository(), progress(ctx), ctx::cancelled);
                bytes.add("copy", result.bytesCopied());
                String newId = UUID.randomUUID().toString();
                long now = clock.millis();
                commands.submit(new MetaCommand.PutBackup(new BackupRecord(newId, b.volumeId(), b.volumeName(), to.name(), b.strategy(), null,
                        null, BackupRecord.COMPLETED, b.sizeBytes(), 0, result.bytesCopied(), result.bytesCopied(), ctx.jobId(), now, now, null,
                        result.destinationBackupId())));
                return "copied backup " + b.id() + " to target '" + to.name() + "' as " + newId + ": " + result.chunksCopied()
                        + " chunks sent, " + result.chunksAlreadyPresent() + " already there";
            }
        });
    }

    public void delete(String id) {
        BackupRecord b = get(id);
        if (BackupRecord.RUNNING.equals(b.status())) {
            throw GalleonException.conflict("backup " + id + " is still running; cancel its job " + b.jobId() + " first");
        }
        if (b.manifestId() != null) {
            BackupTargetRecord target = targets.get(b.target());
            try (OpenRepository repo = OpenRepository.open(target)) {
                repo.repository().delete(b.manifestId());
            } catch (BackupNotFoundException e) {
                LOG.infof("backup %s: its manifest %s was already gone from target %s", id, b.manifestId(), b.target());
            } catch (BackupException e) {
                throw BackupErrors.translate(e);
            }
        }
        commands.submit(new MetaCommand.DeleteBackup(id));
        volumes.find(b.volumeId()).filter(v -> v.node().equals(jobs.nodeId())).ifPresent(v -> {
            Volume local = engine.find(v.id()).orElse(null);
            if (local != null && b.snapshot() != null && hasSnapshot(local, b.snapshot())) {
                deleteSnapshotQuietly(v, b.snapshot());
            }
        });
    }

    public JobRecord prune(String targetName) {
        BackupTargetRecord target = targets.get(targetName);
        return jobs.submit("prune", target.name(), null, null, ctx -> {
            try (OpenRepository repo = OpenRepository.open(target)) {
                PruneResult r = repo.repository().prune(progress(ctx), ctx::cancelled);
                return "pruned target '" + target.name() + "': " + r.chunksRemoved() + " chunks removed, " + r.packsDeleted()
                        + " packs deleted, " + r.packsRewritten() + " rewritten, " + r.bytesFreed() + " bytes freed";
            }
        });
    }

    private BackupRecord completed(String id) {
        BackupRecord b = get(id);
        if (!b.completed() || b.manifestId() == null) {
            throw GalleonException.conflict("backup " + id + " is " + b.status() + ", not completed");
        }
        return b;
    }

    private static Progress progress(JobRunner.Context ctx) {
        return (phase, done, total) -> ctx.progress(phase.name().toLowerCase(Locale.ROOT), done, total);
    }

    static BackupStrategy parseStrategy(String text) {
        if (text == null || text.isBlank()) {
            return BackupStrategy.INCREMENTAL;
        }
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "full" -> BackupStrategy.FULL;
            case "incremental" -> BackupStrategy.INCREMENTAL;
            case "differential" -> BackupStrategy.DIFFERENTIAL;
            default -> throw GalleonException.badRequest("strategy '" + text + "' is not one of full, incremental, differential");
        };
    }

    private static String lower(BackupStrategy s) {
        return s.name().toLowerCase(Locale.ROOT);
    }
}
