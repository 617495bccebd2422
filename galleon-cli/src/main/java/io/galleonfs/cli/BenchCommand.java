package io.galleonfs.cli;

import io.galleonfs.api.BenchRequest;
import io.galleonfs.api.BenchResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs bench VOL}: an rbd-bench-like load run inside the daemon against the storage path. Writes overwrite data. */
@Command(name = "bench", description = "Benchmark a volume's I/O path inside the daemon (writes overwrite the volume's data)",
        mixinStandardHelpOptions = true)
public class BenchCommand implements Runnable {
    @Parameters(paramLabel = "VOL")
    String volume;
    @Option(names = "--io-type", defaultValue = "write", description = "read or write [default: ${DEFAULT-VALUE}]")
    String ioType;
    @Option(names = "--io-size", defaultValue = "4K", description = "Bytes per I/O [default: ${DEFAULT-VALUE}]")
    String ioSize;
    @Option(names = "--io-threads", defaultValue = "16", description = "Concurrent I/Os [default: ${DEFAULT-VALUE}]")
    int ioThreads;
    @Option(names = "--io-total", defaultValue = "1G", description = "Total bytes [default: ${DEFAULT-VALUE}]")
    String ioTotal;
    @Option(names = "--io-pattern", defaultValue = "seq", description = "seq or rand [default: ${DEFAULT-VALUE}]")
    String ioPattern;
    @Option(names = "--write-concern", defaultValue = "acknowledged", description = "acknowledged, durable, replicated or distributed [default: ${DEFAULT-VALUE}]")
    String writeConcern;
    @Option(names = "--max-seconds", defaultValue = "300",
            description = "Stop after this many seconds and report what was done (1-1200) [default: ${DEFAULT-VALUE}]")
    int maxSeconds;
    @Mixin
    OutputOption out;

    @Override
    public void run() {
        BenchResult r = ApiClients.api(maxSeconds + 60L).bench(volume, new BenchRequest(ioType, ioSize, ioThreads, ioTotal, ioPattern, writeConcern,
                maxSeconds));
        Printer.print(System.out, out.format(), r, o -> {
            o.printf("bench %s %s on %s: io_size %d, io_threads %d, %s%n", r.ioType(), r.ioPattern(), r.volume(), r.ioSize(),
                    r.ioThreads(), r.writeConcern());
            Printer.fields(o,
                    "ops", r.ops(),
                    "bytes", r.bytes(),
                    "elapsed", String.format("%.2f s", r.elapsedSeconds()),
                    "IOPS", String.format("%.0f", r.iops()),
                    "MB/s", String.format("%.1f", r.mbPerSecond()),
                    "latency p50", String.format("%.1f us", r.latencyP50Micros()),
                    "latency p99", String.format("%.1f us", r.latencyP99Micros()));
            if (r.stoppedEarly() != null) {
                o.println("stopped early: " + r.stoppedEarly() + " (ops counts the I/Os done)");
            }
        });
    }
}
