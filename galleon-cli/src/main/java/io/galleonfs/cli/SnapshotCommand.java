package io.galleonfs.cli;

import io.galleonfs.api.NameRequest;
import io.galleonfs.api.RestoreRequest;
import io.galleonfs.api.Sizes;
import io.galleonfs.api.SnapshotView;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs volume snapshot <command>} and its top-level alias {@code galleonfs snapshot <command>}. */
@Subcommands({SnapshotCommand.Create.class, SnapshotCommand.ListSnapshots.class, SnapshotCommand.Delete.class,
    SnapshotCommand.Restore.class})
@Command(name = "snapshot", description = "Manage snapshots of a volume", mixinStandardHelpOptions = true)
public class SnapshotCommand {

    @Command(name = "create", description = "Take a snapshot (copy-on-write, instant)", mixinStandardHelpOptions = true)
    static class Create implements Runnable {
        @Parameters(paramLabel = "VOL")
        String volume;
        @Option(names = {"-n", "--name"}, required = true, description = "Snapshot name")
        String name;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            SnapshotView s = ApiClients.api().createSnapshot(volume, new NameRequest(name));
            Printer.print(System.out, out.format(), s, o -> o.println("Created snapshot " + s.name() + " of volume " + s.volume()));
        }
    }

    @Command(name = "list", description = "List the snapshots of a volume", mixinStandardHelpOptions = true)
    static class ListSnapshots implements Runnable {
        @Parameters(paramLabel = "VOL")
        String volume;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<SnapshotView> snaps = ApiClients.api().listSnapshots(volume);
            Printer.print(System.out, out.format(), snaps, o -> {
                Printer.Table t = new Printer.Table("NAME", "VOLUME", "CREATED", "STORED");
                snaps.forEach(s -> t.row(s.name(), s.volume(), s.createdAt(), Sizes.format(s.storedBytes())));
                t.print(o);
            });
        }
    }

    @Command(name = "delete", description = "Delete a snapshot; its space is reclaimed", mixinStandardHelpOptions = true)
    static class Delete implements Runnable {
        @Parameters(index = "0", paramLabel = "VOL")
        String volume;
        @Parameters(index = "1", paramLabel = "SNAPSHOT")
        String name;

        @Override
        public void run() {
            ApiClients.api().deleteSnapshot(volume, name);
            System.out.println("Deleted snapshot " + name + " of volume " + volume);
        }
    }

    @Command(name = "restore", description = "Restore the live volume to this snapshot", mixinStandardHelpOptions = true)
    static class Restore implements Runnable {
        @Parameters(index = "0", paramLabel = "VOL")
        String volume;
        @Parameters(index = "1", paramLabel = "SNAPSHOT")
        String name;

        @Override
        public void run() {
            ApiClients.api().restoreVolume(volume, new RestoreRequest(name));
            System.out.println("Restored volume " + volume + " to snapshot " + name);
        }
    }
}
