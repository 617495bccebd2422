package io.galleonfs.cli;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What a walkthrough must undo, undone in reverse order exactly once: at the end of a run, after a failure, or from a
 * JVM shutdown hook when the user presses Ctrl-C. Every action runs even when an earlier one fails; the failures are
 * returned, not thrown, so the caller decides how to report them. Actions do not use the REST clients: they signal
 * processes, unmount and delete files, which also works from a shutdown hook while the JVM exits.
 */
final class Cleanup implements AutoCloseable {

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    private record Entry(String what, Action action) {
    }

    private final Deque<Entry> entries = new ArrayDeque<>();
    private boolean done;
    private List<String> failures = List.of();
    private Thread hook;

    /** Registers an action; actions run last-registered first. Registering after the clean-up ran runs it at once. */
    Cleanup add(String what, Action action) {
        boolean late;
        synchronized (this) {
            late = done;
            if (!late) {
                entries.push(new Entry(what, action));
            }
        }
        if (late) {
            runOne(new Entry(what, action), new ArrayList<>());
        }
        return this;
    }

    /** Also runs the clean-up if the JVM is ended (Ctrl-C, SIGTERM) before {@link #run()} is called. */
    Cleanup onShutdown(java.io.PrintStream err) {
        Thread t = new Thread(() -> {
            boolean pending;
            synchronized (this) {
                pending = !done;
            }
            if (pending) {
                err.println("galleonfs: interrupted, cleaning up ...");
                run().forEach(f -> err.println("galleonfs: clean-up: " + f));
                err.flush();
            }
        }, "galleonfs-cleanup");
        Runtime.getRuntime().addShutdownHook(t);
        hook = t;
        return this;
    }

    /** Runs every action once (later calls return the first call's result); answers the failures, one line each. */
    synchronized List<String> run() {
        if (done) {
            return failures;
        }
        done = true;
        List<String> failed = new ArrayList<>();
        while (!entries.isEmpty()) {
            runOne(entries.pop(), failed);
        }
        failures = List.copyOf(failed);
        removeHook();
        return failures;
    }

    private static void runOne(Entry e, List<String> failed) {
        try {
            e.action().run();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            failed.add(e.what() + ": interrupted");
        } catch (Exception | Error ex) {
            failed.add(e.what() + ": " + StepRunner.oneLine(ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
        }
    }

    private void removeHook() {
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it finds the work done
            }
        }
    }

    /** The shutdown hook, for tests. */
    Thread hook() {
        return hook;
    }

    @Override
    public void close() {
        run();
    }
}
