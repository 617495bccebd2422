package io.galleonfs.node.daemon;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/** The command line this daemon was started with, so that {@code daemon restart} can start the same daemon again. */
public final class LaunchArgs {
    /** Set in a successor's environment: the predecessor's pid, whose exit it waits for before binding ports. */
    public static final String WAIT_FOR_PID_ENV = "GALLEON_RESTART_WAIT_PID";

    private static volatile List<String> daemonArgs = List.of();

    private LaunchArgs() {
    }

    static void remember(String[] args) {
        daemonArgs = List.of(args);
    }

    /** java, its JVM options, the class path or jar, then the daemon flags as originally given. */
    public static List<String> successorCommand(String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        // The successor ends on OutOfMemoryError even when this daemon was started without the flag (plain java -jar).
        cmd.addAll(OutOfMemoryPolicy.withExitOnOutOfMemory(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        String cp = System.getProperty("java.class.path");
        if (cp.endsWith(".jar") && !cp.contains(File.pathSeparator)) {
            cmd.add("-jar");
            cmd.add(cp);
        } else {
            cmd.add("-cp");
            cmd.add(cp);
            cmd.add(mainClass);
        }
        cmd.addAll(daemonArgs);
        return cmd;
    }
}
