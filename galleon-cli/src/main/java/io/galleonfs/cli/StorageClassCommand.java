package io.galleonfs.cli;

import io.galleonfs.api.StorageClassInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code galleonfs storage-class <command>}. */
@Subcommands({StorageClassCommand.ListClasses.class, StorageClassCommand.Get.class, StorageClassCommand.Create.class,
    StorageClassCommand.Delete.class})
@Command(name = "storage-class", description = "Manage storage classes", mixinStandardHelpOptions = true)
public class StorageClassCommand {

    @Command(name = "list", description = "List all available storage classes", mixinStandardHelpOptions = true)
    static class ListClasses implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<StorageClassInfo> classes = ApiClients.api().listStorageClasses();
            Printer.print(System.out, out.format(), classes, o -> {
                Printer.Table t = new Printer.Table("NAME", "PROVISIONER", "RECLAIM", "BINDING", "ENCRYPTED", "REPLICATION", "BUILT-IN");
                for (StorageClassInfo c : classes) {
                    Map<String, String> p = c.parameters() == null ? Map.of() : c.parameters();
                    t.row(c.name(), c.provisioner(), c.reclaimPolicy(), c.volumeBindingMode(), p.getOrDefault("encryption", "false"),
                            p.getOrDefault("replication", "1"), Boolean.TRUE.equals(c.builtIn()) ? "yes" : "no");
                }
                t.print(o);
            });
        }
    }

    @Command(name = "get", description = "Show one storage class", mixinStandardHelpOptions = true)
    static class Get implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            StorageClassInfo c = ApiClients.api().getStorageClass(name);
            Printer.print(System.out, out.format(), c, o -> Printer.fields(o,
                    "Name", c.name(), "Provisioner", c.provisioner(), "Parameters", c.parameters(),
                    "Reclaim policy", c.reclaimPolicy(), "Binding mode", c.volumeBindingMode(),
                    "Allowed topologies", c.allowedTopologies(), "Mount options", c.mountOptions(),
                    "Built in", c.builtIn()));
        }
    }

    @Command(name = "create", description = "Create storage class from configuration file (JSON or YAML)", mixinStandardHelpOptions = true)
    static class Create implements Runnable {
        @Parameters(paramLabel = "FILE", description = "A storage class in JSON or YAML, as in the README's examples")
        Path file;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            StorageClassInfo c = ApiClients.api().createStorageClass(read(file));
            Printer.print(System.out, out.format(), c, o -> o.println("Created storage class " + c.name()));
        }

        static StorageClassInfo read(Path file) {
            return SpecFiles.read(file, StorageClassInfo.class, "storage class");
        }
    }

    @Command(name = "delete", description = "Delete a storage class that no volume uses", mixinStandardHelpOptions = true)
    static class Delete implements Runnable {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public void run() {
            ApiClients.api().deleteStorageClass(name);
            System.out.println("Deleted storage class " + name);
        }
    }
}
