package io.galleonfs.cli;

import io.galleonfs.api.NodeCapacityInfo;
import java.io.PrintStream;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code galleonfs node calibrate|capacity}: the answering node's IOPS capacity for QoS reservations. */
@Subcommands({NodeCommand.Calibrate.class, NodeCommand.Capacity.class})
@Command(name = "node", description = "The answering node's own settings: IOPS capacity for QoS reservations",
        mixinStandardHelpOptions = true)
class NodeCommand {

    @Command(name = "calibrate", description = "Measure the node's 4 KiB random write IOPS through its engine (a temporary "
            + "volume, a short run; run it on an idle node) and use it as the capacity for reservations (admin only)",
            mixinStandardHelpOptions = true)
    static class Calibrate implements Runnable {
        @Option(names = "--seconds", defaultValue = "3", description = "Measured seconds after a 1 s warm-up (1-60) [default: ${DEFAULT-VALUE}]")
        int seconds;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            NodeCapacityInfo c = ApiClients.api(seconds + 60L).calibrateNode(seconds);
            Printer.print(System.out, out.format(), c, o -> print(o, c));
        }
    }

    @Command(name = "capacity", description = "Show the node's IOPS and MB/s capacity for reservations and its last calibration",
            mixinStandardHelpOptions = true)
    static class Capacity implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            NodeCapacityInfo c = ApiClients.api().nodeCapacity();
            Printer.print(System.out, out.format(), c, o -> print(o, c));
        }
    }

    static void print(PrintStream o, NodeCapacityInfo c) {
        Printer.fields(o,
                "Node", c.node(),
                "Capacity for reservations", c.capacityIops() == 0 ? "none (reservations are not enforced)"
                        : c.capacityIops() + " IOPS (" + c.source() + ")",
                "Configured (galleon.qos.node-iops)", c.configuredIops() == 0 ? "-" : c.configuredIops() + " IOPS",
                "Calibrated", c.calibratedIops() == null ? "never (galleonfs node calibrate)"
                        : String.format(Locale.ROOT, "%d IOPS at %s (4 KiB random writes, QD%d, %.0f s; %.0f %% usable)",
                        c.calibratedIops(), c.calibratedAt(), c.queueDepth(), c.calibrationSeconds(), c.usableFraction() * 100),
                "Throughput for reservations", c.capacityMbps() == 0 ? "none (throughput reservations are not enforced)"
                        : c.capacityMbps() + " MB/s (" + c.sourceMbps() + ")",
                "Configured (galleon.qos.node-mbps)", c.configuredMbps() == 0 ? "-" : c.configuredMbps() + " MB/s",
                "Calibrated throughput", c.calibratedMbps() == null ? "never (galleonfs node calibrate)"
                        : c.calibratedMbps() + " MB/s (1 MiB writes)");
    }
}
