package io.galleonfs.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Runs the steps of a walkthrough or self-test in order, printing one line per step with its result and timing, and
 * stops at the first failure. Steps share state through the object that built them (a later step uses what an earlier
 * one created), so a step after a failed one is not run. Cleaning up is not a step: see {@link Cleanup}.
 */
final class StepRunner {

    /** The work of one step; answers a short line saying what it found or did. */
    @FunctionalInterface
    interface Action {
        String run() throws Exception;
    }

    record Step(String name, Action action) {
    }

    /** Thrown by a step that cannot apply on this host (e.g. no FUSE); the step counts as passed. */
    static final class Skipped extends RuntimeException {
        Skipped(String why) {
            super(why);
        }
    }

    enum Status {
        OK("ok"), SKIPPED("skip"), FAILED("FAIL");

        final String label;

        Status(String label) {
            this.label = label;
        }
    }

    record Outcome(int number, String name, Status status, String detail, long nanos) {
    }

    /** What ran; {@link #passed()} when no step failed (the run stops at the first failure). */
    record Report(List<Outcome> outcomes, int planned, long nanos) {
        boolean passed() {
            return failure().isEmpty() && outcomes.size() == planned;
        }

        Optional<Outcome> failure() {
            return outcomes.stream().filter(o -> o.status() == Status.FAILED).findFirst();
        }

        /** The one line a user sees on failure: which step and why. */
        String errorLine() {
            return failure().map(f -> "step " + f.number() + "/" + planned + " '" + f.name() + "' failed: " + f.detail())
                    .orElse("all " + planned + " steps passed");
        }
    }

    private final PrintStream out;
    private final LongSupplier nanoClock;
    private final Function<Throwable, String> describe;

    /**
     * @param describe turns a step's exception into one readable line (no stack trace reaches users)
     */
    StepRunner(PrintStream out, LongSupplier nanoClock, Function<Throwable, String> describe) {
        this.out = out;
        this.nanoClock = nanoClock;
        this.describe = describe;
    }

    Report run(List<Step> steps) {
        List<Outcome> outcomes = new ArrayList<>();
        long start = nanoClock.getAsLong();
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            long t0 = nanoClock.getAsLong();
            Status status;
            String detail;
            try {
                detail = step.action().run();
                status = Status.OK;
            } catch (Skipped s) {
                status = Status.SKIPPED;
                detail = s.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                status = Status.FAILED;
                detail = "interrupted";
            } catch (Exception | Error e) {
                status = Status.FAILED;
                detail = describe.apply(e);
            }
            Outcome o = new Outcome(i + 1, step.name(), status, oneLine(detail), nanoClock.getAsLong() - t0);
            outcomes.add(o);
            out.println(format(o, steps.size()));
            out.flush();
            if (status == Status.FAILED) {
                break;
            }
        }
        return new Report(List.copyOf(outcomes), steps.size(), nanoClock.getAsLong() - start);
    }

    static String format(Outcome o, int planned) {
        int width = Integer.toString(planned).length();
        String number = String.format(Locale.ROOT, "[%" + width + "d/%d]", o.number(), planned);
        return String.format(Locale.ROOT, "%s %-36s %-4s %7s  %s", number, o.name(), o.status().label, seconds(o.nanos()),
                o.detail()).stripTrailing();
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** Messages of nested exceptions can span lines; a step's result is always one. */
    static String oneLine(String s) {
        if (s == null || s.isBlank()) {
            return "";
        }
        return s.strip().replaceAll("\\s*\\R\\s*", " | ");
    }
}
