package io.galleonfs.cli;

import io.galleonfs.api.QosPolicy;
import io.galleonfs.api.VolumeQosInfo;
import java.io.PrintStream;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs volume qos set|get|clear VOL}: a volume's own QoS policy (overriding its storage class's). */
@Subcommands({VolumeQosCommand.Set.class, VolumeQosCommand.Get.class, VolumeQosCommand.Clear.class})
@Command(name = "qos", description = "Show or change a volume's QoS policy (limits, reservation, burst)", mixinStandardHelpOptions = true)
class VolumeQosCommand {

    @Command(name = "set", description = "Set the volume's QoS policy, applied online by the node serving it", mixinStandardHelpOptions = true)
    static class Set implements Runnable {
        @Parameters(paramLabel = "VOLUME", description = "Volume name or UUID")
        String ref;
        @Option(names = "--iops-limit", paramLabel = "N", description = "Operations per second (reads and writes together)")
        Long iopsLimit;
        @Option(names = "--mbps-limit", paramLabel = "N", description = "MB per second (1 MB = 10^6 bytes)")
        Long mbpsLimit;
        @Option(names = "--latency-target-ms", paramLabel = "N", description = "Latency target (stored with the policy)")
        Long latencyMs;
        @Option(names = "--iops-reservation", paramLabel = "N", description = "Operations per second guaranteed under contention")
        Long iopsReservation;
        @Option(names = "--mbps-reservation", paramLabel = "N", description = "MB per second guaranteed under contention")
        Long mbpsReservation;
        @Option(names = "--burst-multiplier", paramLabel = "X", description = "Burst above the limits by this factor ...")
        Double burstMultiplier;
        @Option(names = "--burst-seconds", paramLabel = "N", description = "... for this long, earned back while below the limits")
        Long burstSeconds;
        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "A QoSPolicy in JSON or YAML (the seed's field names) instead of flags")
        Path file;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            QosPolicy p = file != null ? read(file) : fromFlags();
            VolumeQosInfo q = ApiClients.api().setVolumeQos(ref, p);
            Printer.print(System.out, out.format(), q, o -> show(o, q));
        }

        private QosPolicy fromFlags() {
            boolean anyLimit = iopsLimit != null || mbpsLimit != null;
            QosPolicy.Limits limits = anyLimit || latencyMs != null ? new QosPolicy.Limits(iopsLimit, mbpsLimit, latencyMs) : null;
            QosPolicy.Guarantees guarantees = iopsReservation != null || mbpsReservation != null
                    ? new QosPolicy.Guarantees(iopsReservation, mbpsReservation) : null;
            QosPolicy.Burstable burst = null;
            if (burstMultiplier != null || burstSeconds != null) {
                // The multiplier goes to whichever limits are set (to both when none is: the node then names the problem).
                burst = new QosPolicy.Burstable(true, burstSeconds, iopsLimit != null || !anyLimit ? burstMultiplier : null,
                        mbpsLimit != null || !anyLimit ? burstMultiplier : null);
            }
            return new QosPolicy(null, limits, guarantees, burst);
        }

        static QosPolicy read(Path file) {
            return SpecFiles.read(file, QosPolicy.class, "QoS policy");
        }
    }

    @Command(name = "get", description = "Show the volume's QoS policy in force and where it comes from", mixinStandardHelpOptions = true)
    static class Get implements Runnable {
        @Parameters(paramLabel = "VOLUME", description = "Volume name or UUID")
        String ref;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            VolumeQosInfo q = ApiClients.api().getVolumeQos(ref);
            Printer.print(System.out, out.format(), q, o -> show(o, q));
        }
    }

    @Command(name = "clear", description = "Remove the volume's own QoS policy (its storage class's applies again)",
            mixinStandardHelpOptions = true)
    static class Clear implements Runnable {
        @Parameters(paramLabel = "VOLUME", description = "Volume name or UUID")
        String ref;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            VolumeQosInfo q = ApiClients.api().clearVolumeQos(ref);
            Printer.print(System.out, out.format(), q, o -> show(o, q));
        }
    }

    static void show(PrintStream o, VolumeQosInfo q) {
        QosPolicy p = q.effective();
        QosPolicy.Limits l = p == null ? null : p.limits();
        QosPolicy.Guarantees g = p == null ? null : p.guarantees();
        QosPolicy.Burstable b = p == null ? null : p.burstable();
        String source = switch (q.source()) {
            case "volume" -> "volume (own policy)";
            case "storage_class" -> "storage class " + q.storageClass();
            case "policy" -> "QoS policy " + q.policyName();
            case "storage_class_policy" -> "QoS policy " + q.policyName() + " (storage class " + q.storageClass() + ")";
            default -> "none (unlimited)";
        };
        Printer.fields(o, "Volume", q.volume() + " (" + q.volumeId() + ")", "Source", source,
                "IOPS limit", l == null ? null : l.iops(), "MB/s limit", l == null ? null : l.throughputMbps(),
                "Latency target ms", l == null ? null : l.latencyMs(),
                "IOPS reservation", g == null ? null : g.iops(), "MB/s reservation", g == null ? null : g.throughputMbps(),
                "Burst", b == null ? null : burst(b));
    }

    static String burst(QosPolicy.Burstable b) {
        StringBuilder s = new StringBuilder();
        if (b.iopsMultiplier() != null) {
            s.append(b.iopsMultiplier()).append("x IOPS ");
        }
        if (b.throughputMultiplier() != null) {
            s.append(b.throughputMultiplier()).append("x MB/s ");
        }
        return s.append("for ").append(b.durationSeconds()).append(" s").toString();
    }
}
