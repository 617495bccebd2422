package io.galleonfs.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.galleonfs.api.AccessMode;
import io.galleonfs.api.DaemonConfigInfo;
import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.ReplicaInfo;
import io.galleonfs.api.VolumeInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code galleonfs volume export-nbd VOL [--snapshot S]}: prints the {@code nbd://} URI under which the daemon serves the
 * volume (or, read-only, one of its snapshots). Nothing is started: the daemon's NBD server ({@code --nbd-address})
 * serves every volume stored on it.
 */
@Command(name = "export-nbd", description = "Print the nbd:// URI of a volume or, read-only, of one of its snapshots",
        mixinStandardHelpOptions = true)
class ExportNbdCommand implements Runnable {
    @Parameters(paramLabel = "VOL", description = "Volume name or UUID")
    String volume;
    @Option(names = {"-s", "--snapshot"}, description = "Export this snapshot of the volume, read-only")
    String snapshot;
    @Mixin
    OutputOption out;

    /** What {@code -o json} prints. */
    record NbdExportInfo(String uri, String export, String volume, String snapshot, @JsonProperty("read_only") boolean readOnly) {
    }

    @Override
    public void run() {
        GalleonApi api = ApiClients.api();
        DaemonConfigInfo config = api.daemonConfig();
        if (config.nbdAddress() == null || config.nbdAddress().isBlank()) {
            throw new ErrorHandler.CliException("the daemon at " + GalleonCli.daemonAddress()
                    + " serves no NBD: start it with --nbd-address HOST:PORT (or [daemon] nbd_address in its config file)");
        }
        VolumeInfo v = api.getVolume(volume);
        if (snapshot != null && api.listSnapshots(v.id()).stream().noneMatch(s -> s.name().equals(snapshot))) {
            throw new ErrorHandler.CliException("snapshot '" + snapshot + "' of volume '" + v.name() + "' not found");
        }
        String nodeId = api.daemonStatus().nodeId();
        if (v.replicas() != null && !v.replicas().isEmpty() && v.replicas().stream().map(ReplicaInfo::node).noneMatch(nodeId::equals)) {
            String primary = v.replicas().stream().filter(ReplicaInfo::primary).map(ReplicaInfo::node).findFirst().orElse("another node");
            System.err.println("note: this node holds no copy of volume " + v.name() + " (its primary is " + primary
                    + "); ask that node's daemon for the URI");
        }
        // Outside the default namespace the export is ns/name: names are unique per namespace only.
        String export = snapshot == null ? NamespacedRefs.of(v) : NamespacedRefs.of(v) + "@" + snapshot;
        // Under --nbd-tls require a plain client is refused: the URI says TLS (libnbd and qemu then need the cluster CA).
        String scheme = "require".equals(config.nbdTls()) ? "nbds://" : "nbd://";
        String uri = scheme + reachableAddress(config.nbdAddress()) + "/" + export;
        NbdExportInfo info = new NbdExportInfo(uri, export, v.name(), snapshot,
                snapshot != null || v.accessMode() == AccessMode.READ_ONLY_MANY);
        Printer.print(System.out, out.format(), info, o -> o.println(uri));
    }

    /** A wildcard listen address is not something a client can connect to: use the host this CLI reached instead. */
    static String reachableAddress(String nbdAddress) {
        int colon = nbdAddress.lastIndexOf(':');
        String host = nbdAddress.substring(0, colon);
        String port = nbdAddress.substring(colon + 1);
        if (host.equals("0.0.0.0") || host.equals("[::]") || host.equals("::") || host.equals("*")) {
            String daemonHost = ApiClients.baseUri().getHost();
            host = daemonHost == null ? "127.0.0.1" : daemonHost;
            if (host.contains(":") && !host.startsWith("[")) {
                host = "[" + host + "]";
            }
        }
        return host + ":" + port;
    }
}
