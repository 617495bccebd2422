package io.galleonfs.cli;

import io.galleonfs.api.PolicyInfo;
import io.galleonfs.api.PolicyRetention;
import io.galleonfs.api.PolicyRunInfo;
import io.galleonfs.api.PolicySpec;
import io.galleonfs.api.RunArtifact;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs policy <command>}: backup and snapshot policies, run by galleon-scheduler. */
@Subcommands({PolicyCommand.Create.class, PolicyCommand.ListPolicies.class, PolicyCommand.Get.class,
    PolicyCommand.Delete.class, PolicyCommand.Rename.class, PolicyCommand.Suspend.class, PolicyCommand.Resume.class,
    PolicyCommand.RunNow.class, PolicyCommand.History.class})
@Command(name = "policy", description = "Manage backup and snapshot policies (run by galleonfs-scheduler)", mixinStandardHelpOptions = true)
public class PolicyCommand {

    @Command(name = "create", description = "Create a policy from a file (JSON or YAML; the seed's BackupPolicy fields)", mixinStandardHelpOptions = true)
    static class Create implements Runnable {
        @Parameters(paramLabel = "FILE")
        Path file;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            PolicyInfo p = ApiClients.api().createPolicy(read(file));
            Printer.print(System.out, out.format(), p, o -> o.println("Created policy " + p.spec().name() + " (next run " + dash(p.nextRun()) + ")"));
        }

        static PolicySpec read(Path file) {
            return SpecFiles.read(file, PolicySpec.class, "policy");
        }
    }

    @Command(name = "rename", description = "Rename a policy; what it created stays its own (its retention still prunes it)",
            mixinStandardHelpOptions = true)
    static class Rename implements Runnable {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Parameters(index = "1", paramLabel = "NEW_NAME")
        String newName;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            PolicyInfo p = ApiClients.api().renamePolicy(name, new io.galleonfs.api.NameRequest(newName));
            Printer.print(System.out, out.format(), p, o -> o.println("Renamed policy " + name + " to " + p.spec().name()));
        }
    }

    @Command(name = "list", description = "List policies", mixinStandardHelpOptions = true)
    static class ListPolicies implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<PolicyInfo> all = ApiClients.api().listPolicies();
            Printer.print(System.out, out.format(), all, o -> {
                Printer.Table t = new Printer.Table("NAME", "KIND", "SCHEDULE", "TIMEZONE", "STATUS", "LAST RUN", "LAST STATUS", "NEXT RUN");
                all.forEach(p -> t.row(p.spec().name(), p.spec().kind(), p.spec().schedule(), p.spec().timezone(), p.status(),
                        p.lastRun() == null ? "-" : p.lastRun().scheduledFor(), p.lastRun() == null ? "-" : p.lastRun().status(), dash(p.nextRun())));
                t.print(o);
            });
        }
    }

    @Command(name = "get", description = "Show a policy: its spec, last run (status, duration) and next run", mixinStandardHelpOptions = true)
    static class Get implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            PolicyInfo p = ApiClients.api().getPolicy(name);
            PolicySpec s = p.spec();
            PolicyRunInfo last = p.lastRun();
            Printer.print(System.out, out.format(), p, o -> Printer.fields(o,
                    "Name", s.name(), "Kind", s.kind(), "Schedule", s.schedule(), "Timezone", s.timezone(), "Status", p.status(),
                    "Volumes", s.selector() == null || s.selector().volumes() == null || s.selector().volumes().isEmpty() ? "-"
                            : String.join(", ", s.selector().volumes()),
                    "Labels", s.selector() == null ? "-" : VolumeLabelCommand.format(s.selector().labels()),
                    "Namespace", s.selector() == null ? "-" : dash(s.selector().namespace()),
                    "Target", dash(s.target()), "Strategy", s.strategy(), "Consistency", s.consistency(),
                    "Retention", retention(s.retention()), "Concurrency", s.concurrency(),
                    "Starting deadline", s.startingDeadline() == null ? "-" : s.startingDeadline() + " s",
                    "Last run", last == null ? "-" : last.scheduledFor() + (last.manual() ? " (manual)" : ""),
                    "Last status", last == null ? "-" : last.status() + (last.error() == null ? "" : ": " + last.error()),
                    "Last duration", last == null || last.durationMs() == null ? "-" : last.durationMs() + " ms",
                    "Next run", dash(p.nextRun())));
        }
    }

    @Command(name = "delete", description = "Delete a policy (what its runs created is kept)", mixinStandardHelpOptions = true)
    static class Delete implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            ApiClients.api().deletePolicy(name);
            System.out.println("Deleted policy " + name);
        }
    }

    @Command(name = "suspend", description = "Stop scheduled runs of a policy", mixinStandardHelpOptions = true)
    static class Suspend implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            ApiClients.api().suspendPolicy(name);
            System.out.println("Suspended policy " + name);
        }
    }

    @Command(name = "resume", description = "Resume scheduled runs of a policy", mixinStandardHelpOptions = true)
    static class Resume implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            PolicyInfo p = ApiClients.api().resumePolicy(name);
            System.out.println("Resumed policy " + name + " (next run " + dash(p.nextRun()) + ")");
        }
    }

    @Command(name = "run-now", description = "Queue one run of a policy now; a scheduler runs it", mixinStandardHelpOptions = true)
    static class RunNow implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            PolicyRunInfo r = ApiClients.api().runPolicyNow(name);
            Printer.print(System.out, out.format(), r, o -> o.println("Queued run " + r.id() + " of policy " + name));
        }
    }

    @Command(name = "history", description = "Runs of a policy, newest first", mixinStandardHelpOptions = true)
    static class History implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--limit", defaultValue = "20", description = "At most this many runs (0: all kept; default ${DEFAULT-VALUE})")
        int limit;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<PolicyRunInfo> runs = ApiClients.api().policyHistory(name, limit);
            Printer.print(System.out, out.format(), runs, o -> {
                Printer.Table t = new Printer.Table("SCHEDULED FOR", "STATUS", "MANUAL", "BY", "ATTEMPT", "DURATION", "CREATED", "ERROR");
                runs.forEach(r -> t.row(r.scheduledFor(), r.status() + (r.missedCount() == null ? "" : " (" + r.missedCount() + ")"),
                        r.manual() ? "yes" : "no", dash(r.claimedBy()), r.attempt(), r.durationMs() == null ? "-" : r.durationMs() + " ms",
                        artifacts(r.artifacts()), dash(r.error())));
                t.print(o);
            });
        }
    }

    private static String artifacts(List<RunArtifact> list) {
        if (list == null || list.isEmpty()) {
            return "-";
        }
        List<String> parts = new ArrayList<>();
        list.forEach(a -> parts.add(a.volume() + "/" + a.id() + (Boolean.TRUE.equals(a.pruned()) ? " (pruned)" : "")));
        return String.join(", ", parts);
    }

    private static String retention(PolicyRetention r) {
        if (r == null) {
            return "-";
        }
        return "hourly " + r.hourly() + ", daily " + r.daily() + ", weekly " + r.weekly() + ", monthly " + r.monthly() + ", yearly "
                + r.yearly() + ", keep_last " + r.keepLast();
    }

    private static String dash(String s) {
        return s == null || s.isBlank() ? "-" : s;
    }
}
