package io.galleonfs.node.daemon;

import io.quarkus.runtime.Quarkus;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.jboss.logging.Logger;

/** Graceful stop and restart of the daemon process. */
@ApplicationScoped
public class DaemonLifecycle {
    private static final Logger LOG = Logger.getLogger(DaemonLifecycle.class);

    public void stop() {
        LOG.info("stop requested through the API");
        Quarkus.asyncExit(0);
    }

    /**
     * Starts a copy of this daemon with the same JVM options and flags. It waits for this process to exit (ports and
     * the storage lock are released by then) and inherits stdout/stderr.
     *
     * @return the successor's pid
     */
    public long startSuccessor() {
        List<String> command = LaunchArgs.successorCommand(GalleonNodeMain.class.getName());
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        pb.environment().put(LaunchArgs.WAIT_FOR_PID_ENV, Long.toString(ProcessHandle.current().pid()));
        try {
            Process p = pb.start();
            LOG.infof("restart requested: successor pid %d will take over", p.pid());
            return p.pid();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the successor daemon: " + e.getMessage(), e);
        }
    }
}
