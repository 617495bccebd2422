package io.galleonfs.cli;

import io.galleonfs.api.MountInfo;
import io.galleonfs.api.MountRequest;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code volume mount}, {@code volume unmount}, {@code volume mounts}: FUSE mounts on the daemon the CLI talks to. */
final class MountCommands {
    private MountCommands() {
    }

    /** Paths are resolved against the CLI's directory: the daemon shares this host's file system. */
    static String absolute(String path) {
        return Path.of(path).toAbsolutePath().normalize().toString();
    }

    static boolean looksLikePath(String ref) {
        return ref.startsWith("/") || ref.startsWith(".") || ref.contains("/");
    }

    @Command(name = "mount", description = "Mount a volume to filesystem path (on the daemon's host; needs --mount-point)",
            mixinStandardHelpOptions = true)
    static class Mount implements Runnable {
        @Parameters(index = "0", paramLabel = "ID", description = "Volume name or UUID")
        String ref;
        @Parameters(index = "1", arity = "0..1", paramLabel = "PATH",
                description = "Where to mount it (default: <mount-point>/<volume name>)")
        String path;
        @Option(names = {"-o", "--options"}, paramLabel = "OPTIONS", split = ",",
                description = "Mount options (comma-separated): rw (default), ro, sync, async, encrypted, fs=ext4|xfs|none, "
                        + "noatime, nodiratime, relatime, noexec, nosuid, nodev")
        List<String> options;
        @Option(names = "--output", defaultValue = "table", paramLabel = "FORMAT", description = "Output format: table, json or yaml")
        OutputOption.Output output;

        @Override
        public void run() {
            MountInfo m = ApiClients.api().mountVolume(ref, new MountRequest(path == null ? null : absolute(path),
                    options == null ? List.of() : options));
            Printer.print(System.out, output, m, o -> o.println("Mounted volume " + m.volumeName() + " at " + m.path()
                    + " (" + String.join(",", m.options()) + "), mount id " + m.id()));
        }
    }

    @Command(name = "unmount", aliases = "umount", description = "Unmount a volume by ID or path", mixinStandardHelpOptions = true)
    static class Unmount implements Runnable {
        @Parameters(paramLabel = "ID|PATH", description = "Volume name or UUID (all its mounts on this node), or a mount path")
        String target;
        @Option(names = "--path", paramLabel = "PATH", description = "With a volume: unmount only its mount at PATH")
        String path;
        @Option(names = {"-f", "--force"}, description = "Detach even if busy (lazy unmount), or drop another node's mount record")
        boolean force;
        @Option(names = "--output", defaultValue = "table", paramLabel = "FORMAT", description = "Output format: table, json or yaml")
        OutputOption.Output output;

        @Override
        public void run() {
            List<MountInfo> done;
            if (looksLikePath(target)) {
                if (path != null) {
                    throw new ErrorHandler.CliException("--path goes with a volume name, not with a path");
                }
                done = List.of(ApiClients.api().unmountPath(absolute(target), force));
            } else {
                done = ApiClients.api().unmountVolume(target, path == null ? null : absolute(path), force);
            }
            Printer.print(System.out, output, done, o -> done.forEach(m -> o.println("Unmounted volume " + m.volumeName()
                    + " from " + m.path())));
        }
    }

    @Command(name = "mounts", description = "List mounts (of one volume, or all)", mixinStandardHelpOptions = true)
    static class ListMounts implements Runnable {
        @Parameters(arity = "0..1", paramLabel = "ID", description = "Volume name or UUID")
        String ref;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<MountInfo> mounts = ref == null ? ApiClients.api().listMounts() : ApiClients.api().listVolumeMounts(ref);
            Printer.print(System.out, out.format(), mounts, o -> {
                Printer.Table t = new Printer.Table("VOLUME", "PATH", "OPTIONS", "NODE", "STATE", "ID");
                for (MountInfo m : mounts) {
                    t.row(m.volumeName(), m.path(), String.join(",", m.options()), m.node(), m.state(), m.id());
                }
                t.print(o);
            });
        }
    }
}
