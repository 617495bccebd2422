package io.galleonfs.cli;

import io.galleonfs.api.AuditEntry;
import io.galleonfs.api.AuditVerification;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code galleonfs audit <command>}: the answering node's audit log (needs an admin token). */
@Subcommands({AuditCommand.ListRecords.class, AuditCommand.Verify.class})
@Command(name = "audit", description = "Read and check the node's audit log (admin only)", mixinStandardHelpOptions = true)
public class AuditCommand {

    @Command(name = "list", description = "List audit records, oldest first", mixinStandardHelpOptions = true)
    static class ListRecords implements Runnable {
        @Option(names = "--since", description = "Only records at or after this instant (2026-01-31T12:00:00Z) or age (30m, 2h, 7d)")
        String since;
        @Option(names = "--limit", defaultValue = "100", description = "At most this many records [default: ${DEFAULT-VALUE}]")
        int limit;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<AuditEntry> records = ApiClients.api().listAudit(since, limit);
            Printer.print(System.out, out.format(), records, o -> {
                Printer.Table t = new Printer.Table("SEQ", "TIME", "SUBJECT", "ROLE", "ACTION", "RESOURCE", "STATUS", "REMOTE");
                for (AuditEntry e : records) {
                    t.row(e.seq(), e.time(), e.subject(), e.role(), e.action(), e.resource(), e.status(), e.remote());
                }
                t.print(o);
            });
        }
    }

    @Command(name = "verify", description = "Check the hash chain; exits 1 and names the first broken record if it is broken",
            mixinStandardHelpOptions = true)
    static class Verify implements java.util.concurrent.Callable<Integer> {
        @Mixin
        OutputOption out;

        @Override
        public Integer call() {
            AuditVerification v = ApiClients.api().verifyAudit();
            Printer.print(System.out, out.format(), v, o -> {
                if (v.intact()) {
                    o.println("audit log intact: " + v.records() + " records, head " + v.headHash()
                            + (v.prunedBefore() == null ? "" : " (records before " + v.prunedBefore() + " were deleted by rotation)"));
                }
            });
            if (!v.intact()) {
                System.err.println("error: audit log broken at line " + v.brokenLine() + ": " + v.reason()
                        + " (" + v.records() + " records before it are intact)");
                return 1;
            }
            return 0;
        }
    }
}
