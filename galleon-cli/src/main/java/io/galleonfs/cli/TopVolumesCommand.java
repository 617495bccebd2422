package io.galleonfs.cli;

import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.VolumeMetrics;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code galleonfs top}: the answering node's busiest volumes, refreshed every second. On a terminal the table is
 * redrawn in place; when stdout is a pipe or file each refresh is appended, so logs stay readable.
 */
@Command(name = "top", description = "Show the answering node's volumes sorted by I/O activity, refreshed every second",
        mixinStandardHelpOptions = true)
class TopVolumesCommand implements Runnable {
    private static final String CLEAR = "\033[H\033[2J";

    @Option(names = "--sort", defaultValue = "iops", description = "iops, throughput, latency or name [default: ${DEFAULT-VALUE}]")
    String sort;
    @Option(names = {"-n", "--limit"}, defaultValue = "20", description = "Volumes shown [default: ${DEFAULT-VALUE}]")
    int limit;
    @Option(names = "--once", description = "Print one table and exit")
    boolean once;
    @Mixin
    OutputOption out;

    @Override
    public void run() {
        GalleonApi api = ApiClients.api();
        // Since JDK 22 System.console() exists for redirected output too; isTerminal() tells a real terminal.
        boolean terminal = System.console() != null && System.console().isTerminal() && out.format() == OutputOption.Output.table;
        for (int n = 0; ; n++) {
            if (n > 0) {
                Pacing.sleepOneSecond();
            }
            List<VolumeMetrics> top = api.topVolumes(sort, limit);
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

    private static void table(PrintStream o, List<VolumeMetrics> top) {
        Printer.Table t = new Printer.Table("VOLUME", "R/S", "W/S", "RMB/S", "WMB/S", "R_P99MS", "W_P99MS", "INFLIGHT", "ERR/S", "NODE");
        for (VolumeMetrics m : top) {
            VolumeMetrics.Window w = m.lastSecond();
            t.row(m.volume(), VolumeMetricsCommand.num(w.readIops()), VolumeMetricsCommand.num(w.writeIops()),
                    VolumeMetricsCommand.num(w.readMbPerSecond()), VolumeMetricsCommand.num(w.writeMbPerSecond()),
                    VolumeMetricsCommand.ms(w.readLatency().p99Ms()), VolumeMetricsCommand.ms(w.writeLatency().p99Ms()), m.inflight(),
                    VolumeMetricsCommand.num(w.errorsPerSecond()), m.node());
        }
        t.print(o);
    }
}
