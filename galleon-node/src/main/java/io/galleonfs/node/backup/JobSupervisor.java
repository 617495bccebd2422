package io.galleonfs.node.backup;

import io.galleonfs.node.meta.JobRecord;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.replication.ClusterView;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Ends jobs whose node can no longer finish them, so no job stays running forever: at start a node fails the unfinished
 * jobs of its earlier process (it crashed or was killed); every second the Raft leader fails the unfinished jobs of
 * members that left the cluster view. A node that was wrongly declared dead learns it when its next progress update is
 * refused, and stops.
 */
public final class JobSupervisor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JobSupervisor.class);

    private final ClusterView cluster;
    private final String incarnation;
    private final Clock clock;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "galleon-job-supervisor");
        t.setDaemon(true);
        return t;
    });

    private final Runnable afterOwnJobsFailed;

    /** {@code afterOwnJobsFailed} runs once this node's jobs of an earlier process are failed (clean-up of what they left). */
    public JobSupervisor(ClusterView cluster, String incarnation, Clock clock, Runnable afterOwnJobsFailed) {
        this.cluster = cluster;
        this.afterOwnJobsFailed = afterOwnJobsFailed;
        this.incarnation = incarnation;
        this.clock = clock;
    }

    /** Fails this node's jobs left by an earlier process. */
    public void failJobsOfEarlierProcess() {
        boolean any = cluster.state().backups().jobs().stream()
                .anyMatch(j -> !j.finished() && cluster.nodeId().equals(j.node()) && j.incarnation() != null
                        && !incarnation.equals(j.incarnation()));
        if (any) {
            submit(new MetaCommand.FailJobsOfNode(cluster.nodeId(), incarnation,
                    "node " + cluster.nodeId() + " restarted while the job ran (it crashed or was killed); run it again", clock.millis()));
            afterOwnJobsFailed.run();
        }
    }

    public void start() {
        ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private volatile Runnable onTick = () -> { };

    /** Also runs on every tick, on every node (this node takes the jobs handed to it). */
    public void everyTick(Runnable task) {
        this.onTick = task;
    }

    void tick() {
        try {
            onTick.run();
        } catch (RuntimeException e) {
            LOG.warnf("jobs: handed jobs not taken: %s", e.getMessage());
        }
        try {
            // Also here, not only at start: a node whose metadata was not caught up at start learns of its old jobs later.
            failJobsOfEarlierProcess();
            if (!cluster.isLeader()) {
                return;
            }
            Map<String, String> members = cluster.memberStates();
            Set<String> gone = new TreeSet<>();
            for (JobRecord j : cluster.state().backups().jobs()) {
                if (!j.finished() && !j.node().equals(cluster.nodeId()) && !"up".equals(members.get(j.node()))
                        && !"suspect".equals(members.get(j.node()))) {
                    gone.add(j.node());
                }
            }
            for (String node : gone) {
                LOG.warnf("jobs: node %s left the cluster with unfinished jobs; marking them failed", node);
                submit(new MetaCommand.FailJobsOfNode(node, null, "node " + node + " left the cluster while the job ran; run it again",
                        clock.millis()));
            }
        } catch (RuntimeException e) {
            LOG.debugf("job supervisor tick failed: %s", e.getMessage());
        }
    }

    private void submit(MetaCommand command) {
        try {
            cluster.submit(command);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("jobs: %s not applied: %s", command.getClass().getSimpleName(), e.getMessage());
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
