package io.galleonfs.cli;

import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.JobInfo;
import io.galleonfs.api.Sizes;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Follows a job until it ends: on a terminal one progress line redrawn in place (bytes, MB/s, ETA), otherwise a plain
 * line whenever the phase changes or every ten seconds. The job's event stream ({@link JobEvents}) carries the progress
 * and the end, the moment the job ends; when it cannot be followed to the end the job is polled. A job that did not
 * succeed ends the command with its reason.
 */
final class JobWatcher {
    private static final long POLL_MILLIS = 500;

    private JobWatcher() {
    }

    static JobInfo await(GalleonApi api, JobInfo job, PrintStream err) {
        Display display = new Display(err, System.console() != null && System.console().isTerminal());
        JobInfo j = job;
        try {
            if (!finished(j)) {
                display.show(j);
                j = JobEvents.follow(job.id(), display::show).orElse(j);
            }
            while (!finished(j)) {
                display.show(j);
                Thread.sleep(POLL_MILLIS);
                j = api.getJob(job.id());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrorHandler.CliException("interrupted while waiting for job " + job.id() + " (it keeps running)");
        }
        display.end();
        return j;
    }

    /** Where progress goes: redrawn in place on a terminal, else a line per phase change or every ten seconds. */
    private static final class Display {
        private final PrintStream err;
        private final boolean terminal;
        private String lastPhase;
        private long lastPlain;

        Display(PrintStream err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        void show(JobInfo j) {
            if (finished(j)) {
                return;
            }
            long now = System.currentTimeMillis();
            if (terminal) {
                err.print("\r\033[K" + line(j));
                err.flush();
            } else if (!String.valueOf(j.phase()).equals(lastPhase) || now - lastPlain >= 10_000) {
                err.println(line(j));
                lastPhase = String.valueOf(j.phase());
                lastPlain = now;
            }
        }

        void end() {
            if (terminal) {
                err.print("\r\033[K");
                err.flush();
            }
        }
    }

    static boolean finished(JobInfo j) {
        return j.state().equals("succeeded") || j.state().equals("failed") || j.state().equals("cancelled");
    }

    /** Throws the job's reason when it did not succeed. */
    static void requireSucceeded(JobInfo j) {
        if (j.state().equals("failed")) {
            throw new ErrorHandler.CliException(j.kind() + " job " + j.id() + " failed: " + j.error());
        }
        if (j.state().equals("cancelled")) {
            throw new ErrorHandler.CliException(j.kind() + " job " + j.id() + " was cancelled");
        }
    }

    static String line(JobInfo j) {
        StringBuilder sb = new StringBuilder();
        sb.append(j.kind()).append(' ').append(j.state());
        if (j.phase() != null) {
            sb.append(" (").append(j.phase()).append(')');
        }
        if (j.bytesTotal() > 0) {
            sb.append(String.format(Locale.ROOT, " %5.1f%% %s/%s", 100.0 * j.bytesDone() / j.bytesTotal(), Sizes.format(j.bytesDone()),
                    Sizes.format(j.bytesTotal())));
        } else if (j.bytesDone() > 0) {
            sb.append(' ').append(Sizes.format(j.bytesDone()));
        }
        if (j.bytesPerSecond() > 0) {
            sb.append(String.format(Locale.ROOT, " %.1f MB/s", j.bytesPerSecond() / 1e6));
        }
        if (j.etaSeconds() != null) {
            sb.append(" ETA ").append(j.etaSeconds() / 60).append('m').append(String.format(Locale.ROOT, "%02d", j.etaSeconds() % 60)).append('s');
        }
        return sb.toString();
    }
}
