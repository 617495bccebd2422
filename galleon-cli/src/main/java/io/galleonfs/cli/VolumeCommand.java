package io.galleonfs.cli;

import io.galleonfs.api.CreateVolumeRequest;
import io.galleonfs.api.MountInfo;
import io.galleonfs.api.ReplicaInfo;
import io.galleonfs.api.Sizes;
import io.galleonfs.api.VolumeInfo;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs volume <command>}. */
@Subcommands({VolumeCommand.Create.class, VolumeCommand.ListVolumes.class, VolumeCommand.Get.class,
    VolumeCommand.Delete.class, VolumeDataCommands.Import.class, VolumeDataCommands.Export.class,
    ExportNbdCommand.class, SnapshotCommand.class, VolumeDataCommands.Restore.class, VolumeDataCommands.Clone.class,
    VolumeDataCommands.Expand.class, VolumeDataCommands.Verify.class, VolumeDataCommands.Scrub.class,
    VolumeDataCommands.Trim.class, MountCommands.Mount.class, MountCommands.Unmount.class,
    MountCommands.ListMounts.class, VolumeMetricsCommand.class, VolumeQosCommand.class, VolumeLabelCommand.class,
    QosPolicyCommand.SetVolumePolicy.class})
@Command(name = "volume", description = "Manage volumes", mixinStandardHelpOptions = true)
public class VolumeCommand {

    @Command(name = "create", description = "Create a new volume", mixinStandardHelpOptions = true)
    static class Create implements Runnable {
        @Option(names = {"-n", "--name"}, description = "Volume name (optional)")
        String name;
        @Option(names = {"-t", "--volume-type"}, defaultValue = "persistent",
                description = "Volume type: ephemeral, persistent or shared [default: ${DEFAULT-VALUE}]")
        String type;
        @Option(names = {"-s", "--size"}, defaultValue = "1G", description = "Size with suffix (K/M/G/T) [default: ${DEFAULT-VALUE}]")
        String size;
        @Option(names = {"-c", "--storage-class"}, defaultValue = "encrypted-storage",
                description = "Storage class [default: ${DEFAULT-VALUE}]")
        String storageClass;
        @Option(names = {"-r", "--replicas"}, description = "Number of replicas (overrides storage class)")
        Integer replicas;
        @Option(names = {"-a", "--access-mode"}, description = "ReadWriteOnce (default), ReadOnlyMany or ReadWriteMany")
        String accessMode;
        @Option(names = "--namespace", description = "Namespace (tenant) of the volume [default: default]")
        String namespace;
        @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE", description = "A label (repeatable); policy selectors match labels")
        List<String> labels;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            VolumeInfo v = ApiClients.api().createVolume(new CreateVolumeRequest(name, type, size, storageClass, replicas, accessMode,
                    namespace, VolumeLabelCommand.parse(labels)));
            Printer.print(System.out, out.format(), v, o -> {
                o.println("Created volume " + v.name() + " (" + v.id() + ")");
                details(o, v);
            });
        }
    }

    @Command(name = "list", description = "List all volumes", mixinStandardHelpOptions = true)
    static class ListVolumes implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<VolumeInfo> volumes = ApiClients.api().listVolumes();
            Printer.print(System.out, out.format(), volumes, o -> {
                Printer.Table t = new Printer.Table("NAME", "ID", "SIZE", "CLASS", "REPLICAS", "STATE", "TYPE", "ACCESS", "MOUNTS", "CLIENTS", "NAMESPACE", "LABELS");
                for (VolumeInfo v : volumes) {
                    t.row(v.name(), v.id(), Sizes.format(v.sizeBytes()), v.storageClass(), v.replicaCount(), v.state(),
                            v.volumeType().wire(), v.accessMode().shortName(), v.mounts().size(),
                            v.clients() == null ? 0 : v.clients().size(), v.namespace(), VolumeLabelCommand.format(v.labels()));
                }
                t.print(o);
            });
        }
    }

    @Command(name = "get", description = "Get volume details by ID or name", mixinStandardHelpOptions = true)
    static class Get implements Runnable {
        @Parameters(paramLabel = "ID", description = "Volume name or UUID")
        String ref;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            VolumeInfo v = ApiClients.api().getVolume(ref);
            Printer.print(System.out, out.format(), v, o -> details(o, v));
        }
    }

    @Command(name = "delete", description = "Delete a volume by ID or name", mixinStandardHelpOptions = true)
    static class Delete implements Runnable {
        @Parameters(paramLabel = "ID", description = "Volume name or UUID")
        String ref;
        @Option(names = {"-f", "--force"}, description = "Delete even if the volume is mounted or in use")
        boolean force;

        @Override
        public void run() {
            ApiClients.api().deleteVolume(ref, force);
            System.out.println("Deleted volume " + ref);
        }
    }

    static void details(java.io.PrintStream o, VolumeInfo v) {
        Printer.fields(o,
                "Name", v.name(),
                "ID", v.id(),
                "Namespace", v.namespace(),
                "Labels", VolumeLabelCommand.format(v.labels()),
                "Type", v.volumeType().wire(),
                "Size", Sizes.format(v.sizeBytes()) + " (" + v.sizeBytes() + " bytes)",
                "Allocated", Sizes.format(v.allocatedBytes()),
                "Block size", v.blockSize(),
                "Storage class", v.storageClass(),
                "Encrypted", v.encrypted(),
                "Access mode", v.accessMode().wire(),
                "Replicas", v.replicaCount(),
                "State", v.state() + (v.stateReason() == null ? "" : " (" + v.stateReason() + ")"),
                "Snapshots", v.snapshotCount(),
                "Created", v.createdAt());
        if (!v.replicas().isEmpty()) {
            o.println("Placed replicas:");
            for (ReplicaInfo r : v.replicas()) {
                o.println("  " + r.node() + "  " + r.state() + (r.primary() ? "  primary" : "")
                        + (r.state().equals("rebuilding") ? "  " + r.progress() + "%" : ""));
            }
        }
        if (v.clients() != null && !v.clients().isEmpty()) {
            o.println("Clients:");
            v.clients().forEach(c -> o.println("  " + c));
        }
        if (!v.mounts().isEmpty()) {
            o.println("Mounts:");
            for (MountInfo m : v.mounts()) {
                o.println("  " + m.path() + "  " + String.join(",", m.options()) + "  node " + m.node()
                        + (m.state() == null ? "" : "  " + m.state()));
            }
        }
    }
}
