package io.galleonfs.cli;

import io.galleonfs.api.Sizes;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A transfer's progress on stderr (bytes, percent when the total is known, MB/s). On a terminal one line redrawn in
 * place at most every 200 ms and erased at the end; off a terminal (piped, redirected, CI logs) a plain line every ten
 * seconds, as {@link JobWatcher} does for jobs, so a short transfer adds nothing to a script's stderr and a long one
 * still shows it is moving.
 */
final class ProgressLine {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final long PLAIN_NANOS = 10_000_000_000L;

    private final PrintStream err;
    private final boolean terminal;
    private final String verb;
    private final long total;
    private final long t0 = System.nanoTime();
    private long lastDraw;

    ProgressLine(PrintStream err, boolean terminal, String verb, long total) {
        this.err = err;
        this.terminal = terminal;
        this.verb = verb;
        this.total = total;
    }

    static ProgressLine onTerminal(String verb, long total) {
        return new ProgressLine(System.err, System.console() != null && System.console().isTerminal(), verb, total);
    }

    void update(long done) {
        update(done, System.nanoTime());
    }

    void update(long done, long now) {
        if (terminal) {
            if (now - lastDraw >= REDRAW_NANOS) {
                lastDraw = now;
                err.print("\r\033[K" + line(done, now));
                err.flush();
            }
        } else if (now - Math.max(lastDraw, t0) >= PLAIN_NANOS) {
            lastDraw = now;
            err.println(line(done, now));
        }
    }

    void finish() {
        if (terminal && lastDraw != 0) {
            err.print("\r\033[K");
            err.flush();
        }
    }

    String line(long done, long nowNanos) {
        double secs = Math.max((nowNanos - t0) / 1e9, 1e-9);
        String percent = total > 0 ? String.format(Locale.ROOT, " %3d%%", (int) (100 * done / total)) : "";
        String of = total > 0 ? " of " + Sizes.format(total) : "";
        return String.format(Locale.ROOT, "%s%s %s%s  %.1f MB/s", verb, percent, Sizes.format(done), of, done / 1e6 / secs);
    }
}
