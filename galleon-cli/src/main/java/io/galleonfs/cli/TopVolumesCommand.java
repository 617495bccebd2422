package io.galleonfs.cli;

import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.VolumeMetrics;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code galleonfs top}: the cluster's busiest volumes (each volume's I/O summed over the nodes it entered through, see
 * {@link ClusterMetrics}), or with {@code --local} the answering node's, refreshed every second. On a terminal the table is
 * redrawn in place; when stdout is a pipe or file each refresh is appended, so logs stay readable.
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

    @Override
    public void run() {
        GalleonApi api = ApiClients.api();
        ClusterMetrics cluster = new ClusterMetrics(api);
        java.util.Comparator<VolumeMetrics> order = order(sort);
        // Since JDK 22 System.console() exists for redirected output too; isTerminal() tells a real terminal.
        boolean terminal = System.console() != null && System.console().isTerminal() && out.format() == OutputOption.Output.table;
        for (int n = 0; ; n++) {
            if (n > 0) {
                Pacing.sleepOneSecond();
            }
            // Each node's whole list (at most 1,000), so a volume busy through several nodes ranks by its sum.
            List<VolumeMetrics> top = local ? api.topVolumes(sort, limit)
                    : cluster.volumes(sort, 1000).stream().sorted(order.thenComparing(VolumeMetrics::volume)).limit(limit).toList();
            if (terminal && !once) {
                System.out.print(CLEAR);
            } else if (n > 0) {
                System.out.println();
            }
            Printer.print(System.out, out.format(), top, o -> table(o, top));
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
