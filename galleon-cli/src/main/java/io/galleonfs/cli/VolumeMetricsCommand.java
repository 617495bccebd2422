package io.galleonfs.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.VolumeMetrics;
import java.io.UncheckedIOException;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code galleonfs volume metrics VOL [--watch]}: a volume's I/O figures, like {@code iostat -x 1}, summed over the nodes
 * its I/O entered through ({@link ClusterMetrics}), or with {@code --local} on the answering node only.
 */
@Command(name = "metrics", description = "Show a volume's I/O figures (IOPS, MB/s, latency, in-flight) summed over the cluster's nodes",
        mixinStandardHelpOptions = true)
class VolumeMetricsCommand implements Runnable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final String LINE = "%-8s %8s %8s %8s %8s %9s %9s %9s %9s %8s %7s %7s%n";

    @Parameters(paramLabel = "VOLUME", description = "Volume name or UUID")
    String ref;
    @Option(names = {"-w", "--watch"}, description = "Print one line per second (the last second's figures) until interrupted")
    boolean watch;
    @Option(names = "--count", paramLabel = "N", description = "With --watch, stop after N lines")
    Integer count;
    @Option(names = "--local", description = "Only the I/O that entered through the answering node")
    boolean local;
    @Mixin
    OutputOption out;

    @Override
    public void run() {
        GalleonApi api = ApiClients.api();
        ClusterMetrics cluster = new ClusterMetrics(api);
        java.util.function.Supplier<VolumeMetrics> fetch = () -> local ? api.volumeMetrics(ref) : cluster.volume(ref);
        if (!watch) {
            VolumeMetrics m = fetch.get();
            Printer.print(System.out, out.format(), m, o -> snapshot(o, m));
            return;
        }
        if (out.format() == OutputOption.Output.table) {
            System.out.printf(LINE, "TIME", "r/s", "w/s", "rMB/s", "wMB/s", "r_p50ms", "r_p99ms", "w_p50ms", "w_p99ms", "inflight", "err/s", "rcache");
        }
        for (int n = 0; count == null || n < count; n++) {
            if (n > 0) {
                Pacing.sleepOneSecond();
            }
            VolumeMetrics m = fetch.get();
            if (out.format() == OutputOption.Output.table) {
                System.out.print(watchLine(LocalTime.now().format(TIME), m));
            } else if (out.format() == OutputOption.Output.json) {
                // One compact JSON document per line, so the output can be piped to jq.
                System.out.println(compact(m));
            } else {
                Printer.print(System.out, out.format(), m, o -> { });
            }
            System.out.flush();
        }
    }

    /** One {@code --watch} table line: the last second's figures. */
    static String watchLine(String time, VolumeMetrics m) {
        VolumeMetrics.Window w = m.lastSecond();
        return String.format(Locale.ROOT, LINE, time, num(w.readIops()), num(w.writeIops()), num(w.readMbPerSecond()),
                num(w.writeMbPerSecond()), ms(w.readLatency().p50Ms()), ms(w.readLatency().p99Ms()), ms(w.writeLatency().p50Ms()),
                ms(w.writeLatency().p99Ms()), m.inflight(), num(w.errorsPerSecond()), hitRatio(w.readCacheHitRatio()));
    }

    /** A read-cache hit ratio as a percentage, or "-" when no read of the window went through the cache (plain volumes). */
    static String hitRatio(Double ratio) {
        return ratio == null ? "-" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    private static String compact(VolumeMetrics m) {
        try {
            return Printer.json().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void snapshot(java.io.PrintStream o, VolumeMetrics m) {
        VolumeMetrics.Window s = m.lastSecond();
        VolumeMetrics.Window t = m.lastTenSeconds();
        VolumeMetrics.Totals tot = m.totals();
        Printer.fields(o, "Volume", m.volume() + " (" + m.volumeId() + ")", "Node", m.node(), "In flight", m.inflight(),
                "IOPS read/write (1s)", num(s.readIops()) + " / " + num(s.writeIops()),
                "IOPS read/write (10s)", num(t.readIops()) + " / " + num(t.writeIops()),
                "MB/s read/write (1s)", num(s.readMbPerSecond()) + " / " + num(s.writeMbPerSecond()),
                "MB/s read/write (10s)", num(t.readMbPerSecond()) + " / " + num(t.writeMbPerSecond()),
                "Read latency p50/p99/p99.9 ms (10s)", latency(t.readLatency()),
                "Write latency p50/p99/p99.9 ms (10s)", latency(t.writeLatency()),
                "Read cache hit ratio (1s/10s)", hitRatio(s.readCacheHitRatio()) + " / " + hitRatio(t.readCacheHitRatio()),
                "Totals reads/writes/trims/flushes", tot.reads() + " / " + tot.writes() + " / " + tot.trims() + " / " + tot.flushes(),
                "Totals bytes read/written/trimmed", tot.readBytes() + " / " + tot.writeBytes() + " / " + tot.trimBytes(),
                "Errors read/write/trim/flush", tot.readErrors() + " / " + tot.writeErrors() + " / " + tot.trimErrors() + " / " + tot.flushErrors());
    }

    static String num(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    static String ms(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String latency(VolumeMetrics.Latency l) {
        return ms(l.p50Ms()) + " / " + ms(l.p99Ms()) + " / " + ms(l.p999Ms());
    }
}
