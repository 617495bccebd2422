package io.galleonfs.cli;

import io.galleonfs.api.ClusterIoMetrics;
import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.VolumeMetrics;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code galleonfs top}: every node's I/O and the cluster's busiest volumes (each volume's I/O summed over the nodes it
 * entered through, replication apply apart), as the answering node assembles them from all members
 * ({@code GET /api/v1/metrics/cluster}; a member that does not answer is listed as such), or with {@code --local} the
 * answering node's volumes only, refreshed every second. On a terminal the tables are redrawn in place; when stdout is a
 * pipe or file each refresh is appended, so logs stay readable.
 */
@Command(name = "top", description = "Show the cluster's volumes sorted by I/O activity (summed over nodes), refreshed every second",
        mixinStandardHelpOptions = true)
class TopVolumesCommand implements Runnable {
    private static final String CLEAR = "\033[H\033[2J";

    @Option(names = "--sort", defaultValue = "iops", description = "iops, throughput, latency or name [default: ${DEFAULT-VALUE}]")
    String sort;
    @Option(names = {"-n", "--limit"}, defaultValue = "20", description = "Volumes shown [default: ${DEFAULT-VALUE}]")
    int limit;
    @Option(names = "--once", description = "Print one table and exit")
    boolean once;
    @Option(names = "--local", description = "Only the I/O that entered through the answering node")
    boolean local;
    @Mixin
    OutputOption out;
    @Spec
    CommandLine.Model.CommandSpec spec;

    private static final java.util.Set<String> SORTS = java.util.Set.of("iops", "throughput", "latency", "name");

    @Override
    public void run() {
        if (!SORTS.contains(sort)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--sort must be one of iops, throughput, latency, name");
        }
        if (limit < 1 || limit > 1000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be between 1 and 1000");
        }
        GalleonApi api = ApiClients.api();
        java.util.Comparator<VolumeMetrics> order = order(sort);
        // Since JDK 22 System.console() exists for redirected output too; isTerminal() tells a real terminal.
        boolean terminal = System.console() != null && System.console().isTerminal() && out.format() == OutputOption.Output.table;
        for (int n = 0; ; n++) {
            if (n > 0) {
                Pacing.sleepOneSecond();
            }
            if (terminal && !once) {
                System.out.print(CLEAR);
            } else if (n > 0) {
                System.out.println();
            }
            if (local) {
                List<VolumeMetrics> top = api.topVolumes(sort, limit);
                Printer.print(System.out, out.format(), top, o -> table(o, top));
            } else {
                ClusterIoMetrics c = api.clusterMetrics();
                ClusterIoMetrics shown = new ClusterIoMetrics(c.timestampMillis(), c.answeredBy(), c.nodes(),
                        c.volumes().stream().sorted(order.thenComparing(VolumeMetrics::volume)).limit(limit).toList(), c.replicationApply());
                Printer.print(System.out, out.format(), shown, o -> cluster(o, shown));
            }
            System.out.flush();
            if (once) {
                return;
            }
        }
    }

    /** The node's order (TopVolumesResource), applied again to the merged figures; an unknown sort is refused by the node. */
    private static java.util.Comparator<VolumeMetrics> order(String sort) {
        return switch (sort) {
            case "throughput" -> java.util.Comparator.comparingDouble((VolumeMetrics m) -> m.lastSecond().readMbPerSecond()
                    + m.lastSecond().writeMbPerSecond()).reversed();
            case "latency" -> java.util.Comparator.comparingDouble((VolumeMetrics m) -> Math.max(m.lastSecond().readLatency().p99Ms(),
                    m.lastSecond().writeLatency().p99Ms())).reversed();
            case "name" -> java.util.Comparator.comparing(VolumeMetrics::volume);
            default -> java.util.Comparator.comparingDouble((VolumeMetrics m) -> m.lastSecond().iops()).reversed();
        };
    }

    /** Every node (answering or not), the volumes, and replication apply when there is any. */
    static void cluster(PrintStream o, ClusterIoMetrics c) {
        Printer.Table nodes = new Printer.Table("NODE", "STATE", "R/S", "W/S", "RMB/S", "WMB/S", "APPLY/S", "APPLYMB/S", "VOLUMES", "NOTE");
        for (ClusterIoMetrics.NodeIo n : c.nodes()) {
            boolean answered = ClusterIoMetrics.ANSWERED.equals(n.state());
            nodes.row(n.node(), n.state(), answered ? VolumeMetricsCommand.num(n.readIops()) : "-",
                    answered ? VolumeMetricsCommand.num(n.writeIops()) : "-", answered ? VolumeMetricsCommand.num(n.readMbPerSecond()) : "-",
                    answered ? VolumeMetricsCommand.num(n.writeMbPerSecond()) : "-",
                    answered ? VolumeMetricsCommand.num(n.applyOpsPerSecond()) : "-",
                    answered ? VolumeMetricsCommand.num(n.applyMbPerSecond()) : "-", answered ? n.volumes() : "-",
                    n.error() == null ? "" : n.error());
        }
        nodes.print(o);
        o.println();
        table(o, c.volumes());
        if (!c.replicationApply().isEmpty()) {
            o.println();
            Printer.Table apply = new Printer.Table("REPLICA APPLY", "NODE", "OPS/S", "MB/S");
            for (ClusterIoMetrics.ReplicaApply a : c.replicationApply()) {
                apply.row(a.volume(), a.node(), VolumeMetricsCommand.num(a.opsPerSecond()), VolumeMetricsCommand.num(a.mbPerSecond()));
            }
            apply.print(o);
        }
    }

    static void table(PrintStream o, List<VolumeMetrics> top) {
        Printer.Table t = new Printer.Table("VOLUME", "R/S", "W/S", "RMB/S", "WMB/S", "R_P99MS", "W_P99MS", "INFLIGHT", "ERR/S", "RCACHE", "NODE");
        for (VolumeMetrics m : top) {
            VolumeMetrics.Window w = m.lastSecond();
            t.row(m.volume(), VolumeMetricsCommand.num(w.readIops()), VolumeMetricsCommand.num(w.writeIops()),
                    VolumeMetricsCommand.num(w.readMbPerSecond()), VolumeMetricsCommand.num(w.writeMbPerSecond()),
                    VolumeMetricsCommand.ms(w.readLatency().p99Ms()), VolumeMetricsCommand.ms(w.writeLatency().p99Ms()), m.inflight(),
                    VolumeMetricsCommand.num(w.errorsPerSecond()), VolumeMetricsCommand.hitRatio(w.readCacheHitRatio()), m.node());
        }
        t.print(o);
    }
}
