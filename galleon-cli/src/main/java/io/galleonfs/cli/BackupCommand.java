package io.galleonfs.cli;

import io.galleonfs.api.BackupView;
import io.galleonfs.api.CopyBackupRequest;
import io.galleonfs.api.CreateBackupRequest;
import io.galleonfs.api.JobInfo;
import io.galleonfs.api.RestoreBackupRequest;
import io.galleonfs.api.Sizes;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs backup <command>}: backups of volumes, and the jobs that make, restore, verify and copy them. */
@Subcommands({BackupCommand.Create.class, BackupCommand.ListBackups.class, BackupCommand.Get.class,
    BackupCommand.Restore.class, BackupCommand.Verify.class, BackupCommand.Copy.class, BackupCommand.Delete.class,
    BackupCommand.Prune.class})
@Command(name = "backup", description = "Back up, restore, verify and copy volumes", mixinStandardHelpOptions = true)
public class BackupCommand {

    /** Shared by the job-starting commands: prints the started job, or follows it with --wait. */
    static class JobOptions {
        @Option(names = "--wait", description = "Wait for the job to finish, showing its progress")
        boolean wait;
        @Mixin
        OutputOption out;

        void report(JobInfo started) {
            JobInfo j = started;
            if (wait) {
                j = JobWatcher.await(ApiClients.api(), started, System.err);
            }
            JobInfo shown = j;
            Printer.print(System.out, out.format(), shown, o -> {
                if (JobWatcher.finished(shown)) {
                    o.println(shown.state().equals("succeeded") ? shown.message() : shown.kind() + " job " + shown.id() + " " + shown.state()
                            + (shown.error() == null ? "" : ": " + shown.error()));
                } else {
                    o.println("Started " + shown.kind() + " job " + shown.id() + (shown.backupId() == null ? "" : " (backup "
                            + shown.backupId() + ")") + "; follow it with: galleonfs job get " + shown.id());
                }
            });
            if (wait) {
                JobWatcher.requireSucceeded(shown);
            }
        }
    }

    @Command(name = "create", description = "Back up a volume (from a snapshot the job takes)", mixinStandardHelpOptions = true)
    static class Create implements Runnable {
        @Parameters(paramLabel = "VOLUME")
        String volume;
        @Option(names = "--target", required = true, description = "Backup target name")
        String target;
        @Option(names = "--strategy", defaultValue = "incremental",
                description = "full, incremental (since the last backup) or differential (since the last full); default ${DEFAULT-VALUE}")
        String strategy;
        @Mixin
        JobOptions job;

        @Override
        public void run() {
            job.report(ApiClients.api().createBackup(new CreateBackupRequest(volume, target, strategy, null), false));
        }
    }

    @Command(name = "list", description = "List backups, optionally of one volume", mixinStandardHelpOptions = true)
    static class ListBackups implements Runnable {
        @Parameters(paramLabel = "VOLUME", arity = "0..1")
        String volume;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<BackupView> all = ApiClients.api().listBackups(volume);
            Printer.print(System.out, out.format(), all, o -> {
                Printer.Table t = new Printer.Table("ID", "VOLUME", "TARGET", "STRATEGY", "STATUS", "SIZE", "READ", "STORED", "CREATED");
                for (BackupView b : all) {
                    t.row(b.id(), b.volume(), b.target(), b.strategy(), b.status(), Sizes.format(b.sizeBytes()), Sizes.format(b.bytesRead()),
                            Sizes.format(b.bytesStored()), b.createdAt());
                }
                t.print(o);
            });
        }
    }

    @Command(name = "get", description = "Show one backup", mixinStandardHelpOptions = true)
    static class Get implements Runnable {
        @Parameters(paramLabel = "ID")
        String id;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            BackupView b = ApiClients.api().getBackup(id);
            Printer.print(System.out, out.format(), b, o -> Printer.fields(o, "ID", b.id(), "Volume", b.volume() + " (" + b.volumeId() + ")",
                    "Target", b.target(), "Strategy", b.strategy(), "Parent", b.parentId(), "Snapshot", b.snapshot(), "Status", b.status(),
                    "Size", Sizes.format(b.sizeBytes()), "Bytes read", b.bytesRead(), "Bytes new", b.bytesNew(), "Bytes stored", b.bytesStored(),
                    "Job", b.jobId(), "Created", b.createdAt(), "Finished", b.finishedAt(), "Error", b.error()));
        }
    }

    @Command(name = "restore", description = "Restore a backup to a new volume (--to-volume) or in place (--in-place)",
            mixinStandardHelpOptions = true)
    static class Restore implements Runnable {
        @Parameters(paramLabel = "ID")
        String id;
        @Option(names = "--to-volume", paramLabel = "NAME", description = "Name of the new volume")
        String toVolume;
        @Option(names = {"--storage-class", "-c"}, description = "Class of the new volume (default: the backed-up volume's)")
        String storageClass;
        @Option(names = {"--size", "-s"}, description = "Size of the new volume (default and minimum: the backup's)")
        String size;
        @Option(names = "--in-place", description = "Overwrite the backed-up volume")
        boolean inPlace;
        @Option(names = "--force", description = "With --in-place: even while it is mounted or exported")
        boolean force;
        @Mixin
        JobOptions job;

        @Override
        public void run() {
            if (inPlace == (toVolume != null)) {
                throw new ErrorHandler.CliException("give either --to-volume NAME or --in-place");
            }
            job.report(ApiClients.api().restoreBackup(id, new RestoreBackupRequest(toVolume, storageClass, size, inPlace ? true : null,
                    force ? true : null), false));
        }
    }

    @Command(name = "verify", description = "Check every chunk of a backup without restoring it", mixinStandardHelpOptions = true)
    static class Verify implements Runnable {
        @Parameters(paramLabel = "ID")
        String id;
        @Option(names = "--quick", description = "Presence and sizes only")
        boolean quick;
        @Mixin
        JobOptions job;

        @Override
        public void run() {
            job.report(ApiClients.api().verifyBackup(id, quick, false));
        }
    }

    @Command(name = "copy", description = "Copy a backup to another target (only missing chunks are sent)", mixinStandardHelpOptions = true)
    static class Copy implements Runnable {
        @Parameters(paramLabel = "ID")
        String id;
        @Option(names = "--to-target", required = true, description = "Target that receives the copy")
        String toTarget;
        @Mixin
        JobOptions job;

        @Override
        public void run() {
            job.report(ApiClients.api().copyBackup(id, new CopyBackupRequest(toTarget), false));
        }
    }

    @Command(name = "delete", description = "Delete a backup (its chunks are reclaimed by prune)", mixinStandardHelpOptions = true)
    static class Delete implements Runnable {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public void run() {
            ApiClients.api().deleteBackup(id);
            System.out.println("Deleted backup " + id);
        }
    }

    @Command(name = "prune", description = "Reclaim chunks no backup references on a target", mixinStandardHelpOptions = true)
    static class Prune implements Runnable {
        @Option(names = "--target", required = true, description = "Backup target name")
        String target;
        @Mixin
        JobOptions job;

        @Override
        public void run() {
            job.report(ApiClients.api().pruneBackupTarget(target, false));
        }
    }
}
