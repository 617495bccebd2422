package io.galleonfs.cli;

import io.galleonfs.api.QosPolicy;
import io.galleonfs.api.QosPolicyInfo;
import io.galleonfs.api.QosPolicyRef;
import io.galleonfs.api.VolumeQosInfo;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs qos <command>}: named QoS policies (the seed's QoSPolicy) that volumes and storage classes follow. */
@Subcommands({QosPolicyCommand.Create.class, QosPolicyCommand.Update.class, QosPolicyCommand.ListPolicies.class,
    QosPolicyCommand.Get.class, QosPolicyCommand.Delete.class})
@Command(name = "qos", description = "Manage named QoS policies (limits, guarantees, burst)", mixinStandardHelpOptions = true)
public class QosPolicyCommand {

    @Command(name = "create", description = "Create a QoS policy from a file (JSON or YAML; the seed's QoSPolicy fields)",
            mixinStandardHelpOptions = true)
    static class Create implements Runnable {
        @Parameters(paramLabel = "FILE")
        Path file;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            QosPolicyInfo p = ApiClients.api().createQosPolicy(VolumeQosCommand.Set.read(file));
            Printer.print(System.out, out.format(), p, o -> o.println("Created QoS policy " + p.policy().name()));
        }
    }

    @Command(name = "update", description = "Replace a QoS policy from a file; volumes following it change online",
            mixinStandardHelpOptions = true)
    static class Update implements Runnable {
        @Parameters(paramLabel = "FILE")
        Path file;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            QosPolicy spec = VolumeQosCommand.Set.read(file);
            if (spec.name() == null) {
                throw new ErrorHandler.CliException(file + ": the policy has no name");
            }
            QosPolicyInfo p = ApiClients.api().updateQosPolicy(spec.name(), spec);
            Printer.print(System.out, out.format(), p, o -> o.println("Updated QoS policy " + p.policy().name()
                    + (p.volumes().isEmpty() ? "" : " (followed by " + String.join(", ", p.volumes()) + ")")));
        }
    }

    @Command(name = "list", description = "List QoS policies", mixinStandardHelpOptions = true)
    static class ListPolicies implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<QosPolicyInfo> all = ApiClients.api().listQosPolicies();
            Printer.print(System.out, out.format(), all, o -> {
                Printer.Table t = new Printer.Table("NAME", "IOPS", "MB/S", "LATENCY MS", "RES IOPS", "RES MB/S", "BURST", "VOLUMES", "CLASSES");
                all.forEach(i -> {
                    QosPolicy p = i.policy();
                    QosPolicy.Limits l = p.limits();
                    QosPolicy.Guarantees g = p.guarantees();
                    t.row(p.name(), dash(l == null ? null : l.iops()), dash(l == null ? null : l.throughputMbps()),
                            dash(l == null ? null : l.latencyMs()), dash(g == null ? null : g.iops()),
                            dash(g == null ? null : g.throughputMbps()), p.burstable() == null ? "-" : VolumeQosCommand.burst(p.burstable()),
                            String.valueOf(i.volumes().size()), String.valueOf(i.storageClasses().size()));
                });
                t.print(o);
            });
        }
    }

    @Command(name = "get", description = "Show a QoS policy and who follows it", mixinStandardHelpOptions = true)
    static class Get implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            QosPolicyInfo i = ApiClients.api().getQosPolicy(name);
            Printer.print(System.out, out.format(), i, o -> show(o, i));
        }
    }

    @Command(name = "delete", description = "Delete a QoS policy (refused while volumes or classes use it, unless --force)",
            mixinStandardHelpOptions = true)
    static class Delete implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Option(names = "--force", description = "Detach its users: volumes fall back to their storage class's QoS")
        boolean force;

        @Override
        public void run() {
            ApiClients.api().deleteQosPolicy(name, force);
            System.out.println("Deleted QoS policy " + name);
        }
    }

    /** {@code galleonfs volume set-qos VOL POLICY|none}. */
    @Command(name = "set-qos", description = "Make a volume follow a named QoS policy, or 'none' to remove its own QoS "
            + "(its storage class's applies); applied online", mixinStandardHelpOptions = true)
    static class SetVolumePolicy implements Runnable {
        @Parameters(index = "0", paramLabel = "VOLUME", description = "Volume name or UUID")
        String ref;
        @Parameters(index = "1", paramLabel = "POLICY", description = "A QoS policy name, or none")
        String policy;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            VolumeQosInfo q = "none".equals(policy) ? ApiClients.api().clearVolumeQosPolicy(ref)
                    : ApiClients.api().setVolumeQosPolicy(ref, new QosPolicyRef(policy));
            Printer.print(System.out, out.format(), q, o -> VolumeQosCommand.show(o, q));
        }
    }

    static void show(PrintStream o, QosPolicyInfo i) {
        QosPolicy p = i.policy();
        QosPolicy.Limits l = p.limits();
        QosPolicy.Guarantees g = p.guarantees();
        Printer.fields(o, "Name", p.name(),
                "IOPS limit", l == null ? null : l.iops(), "MB/s limit", l == null ? null : l.throughputMbps(),
                "Latency target ms", l == null ? null : l.latencyMs(),
                "IOPS reservation", g == null ? null : g.iops(), "MB/s reservation", g == null ? null : g.throughputMbps(),
                "Burst", p.burstable() == null ? null : VolumeQosCommand.burst(p.burstable()),
                "Volumes", i.volumes().isEmpty() ? "-" : String.join(", ", i.volumes()),
                "Storage classes", i.storageClasses().isEmpty() ? "-" : String.join(", ", i.storageClasses()));
    }

    private static String dash(Long v) {
        return v == null ? "-" : v.toString();
    }
}
