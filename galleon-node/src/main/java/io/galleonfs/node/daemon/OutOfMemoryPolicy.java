package io.galleonfs.node.daemon;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * A daemon that ran out of heap must end, so that its supervisor restarts it: after an {@link OutOfMemoryError} on an
 * event loop, the acceptor or a JGroups thread, the process can stay alive without serving anything (seen: 150 % CPU,
 * REST and health timing out, until kill -9). Every launcher passes {@link #FLAG}; this class checks and adds it.
 */
public final class OutOfMemoryPolicy {
    public static final String FLAG = "-XX:+ExitOnOutOfMemoryError";

    private OutOfMemoryPolicy() {
    }

    /** True when this JVM exits (or crashes) on its first OutOfMemoryError. */
    public static boolean active() {
        HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        return hotspot != null && ("true".equals(hotspot.getVMOption("ExitOnOutOfMemoryError").getValue())
                || "true".equals(hotspot.getVMOption("CrashOnOutOfMemoryError").getValue()));
    }

    /** {@code jvmArgs} with {@link #FLAG} added unless they already choose what an OutOfMemoryError does. */
    public static List<String> withExitOnOutOfMemory(List<String> jvmArgs) {
        boolean chosen = jvmArgs.stream().anyMatch(a -> a.contains("ExitOnOutOfMemoryError") || a.contains("CrashOnOutOfMemoryError"));
        if (chosen) {
            return jvmArgs;
        }
        List<String> all = new ArrayList<>(jvmArgs);
        all.add(FLAG);
        return all;
    }
}
