package io.galleonfs.cli;

import io.galleonfs.api.JobInfo;
import io.galleonfs.api.Sizes;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code galleonfs job <command>}: backup, restore, verify, copy and prune jobs. */
@Subcommands({JobCommand.ListJobs.class, JobCommand.Get.class, JobCommand.Cancel.class})
@Command(name = "job", description = "List, show and cancel backup jobs", mixinStandardHelpOptions = true)
public class JobCommand {

    @Command(name = "list", description = "List jobs, newest first", mixinStandardHelpOptions = true)
    static class ListJobs implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<JobInfo> all = ApiClients.api().listJobs();
            Printer.print(System.out, out.format(), all, o -> {
                Printer.Table t = new Printer.Table("ID", "KIND", "STATE", "VOLUME", "TARGET", "DONE", "TOTAL", "NODE", "CREATED");
                for (JobInfo j : all) {
                    t.row(j.id(), j.kind(), j.state(), j.volume(), j.target(), Sizes.format(j.bytesDone()), Sizes.format(j.bytesTotal()),
                            j.node(), j.createdAt());
                }
                t.print(o);
            });
        }
    }

    @Command(name = "get", description = "Show one job and its progress", mixinStandardHelpOptions = true)
    static class Get implements Runnable {
        @Parameters(paramLabel = "ID")
        String id;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            JobInfo j = ApiClients.api().getJob(id);
            Printer.print(System.out, out.format(), j, o -> Printer.fields(o, "ID", j.id(), "Kind", j.kind(), "State", j.state(),
                    "Progress", JobWatcher.line(j), "Node", j.node(), "Target", j.target(), "Backup", j.backupId(), "Volume", j.volume(),
                    "Message", j.message(), "Error", j.error(), "Created", j.createdAt(), "Started", j.startedAt(), "Finished", j.finishedAt()));
        }
    }

    @Command(name = "cancel", description = "Cancel a queued or running job", mixinStandardHelpOptions = true)
    static class Cancel implements Runnable {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public void run() {
            JobInfo j = ApiClients.api().cancelJob(id);
            System.out.println("Cancellation of " + j.kind() + " job " + j.id() + " requested");
        }
    }
}
