package io.galleonfs.cli;

import io.galleonfs.api.Sizes;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A transfer's progress on a terminal: one line on stderr redrawn in place (bytes, percent when the total is known,
 * MB/s), at most every 200 ms, erased at the end. Off the terminal it prints nothing, so scripts' stderr stays clean.
 */
final class ProgressLine {
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream err;
    private final boolean enabled;
    private final String verb;
    private final long total;
    private final long t0 = System.nanoTime();
    private long lastDraw;

    ProgressLine(PrintStream err, boolean enabled, String verb, long total) {
        this.err = err;
        this.enabled = enabled;
        this.verb = verb;
        this.total = total;
    }

    static ProgressLine onTerminal(String verb, long total) {
        return new ProgressLine(System.err, System.console() != null && System.console().isTerminal(), verb, total);
    }

    void update(long done) {
        long now = System.nanoTime();
        if (!enabled || now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        err.print("\r\033[K" + line(done, now));
        err.flush();
    }

    void finish() {
        if (enabled && lastDraw != 0) {
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
