package io.galleonfs.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a CLI call's wall time goes: with {@code GALLEONFS_CLI_TRACE=1} the CLI prints, on stderr right before it exits,
 * the milliseconds since the JVM was created at which it passed each named point (main entered, command line built,
 * request sent, answer read, ...). Off (the default) a mark costs one static boolean test. The JVM's start time comes
 * from the management bean, read only at the end so that loading it does not shift the marks.
 */
final class StartupTrace {
    static final boolean ON = "1".equals(System.getenv("GALLEONFS_CLI_TRACE"));

    private static final List<String> NAMES = ON ? new ArrayList<>() : null;
    private static final List<Long> MILLIS = ON ? new ArrayList<>() : null;

    private StartupTrace() {
    }

    static void mark(String name) {
        if (ON) {
            synchronized (NAMES) {
                NAMES.add(name);
                MILLIS.add(System.currentTimeMillis());
            }
        }
    }

    /** Prints every mark as {@code trace: <ms since JVM start> <name>}. */
    static void print(PrintStream err) {
        if (!ON) {
            return;
        }
        long start = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        synchronized (NAMES) {
            for (int i = 0; i < NAMES.size(); i++) {
                err.println("trace: " + (MILLIS.get(i) - start) + " ms " + NAMES.get(i));
            }
        }
    }
}
