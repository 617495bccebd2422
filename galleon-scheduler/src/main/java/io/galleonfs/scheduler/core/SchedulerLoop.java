package io.galleonfs.scheduler.core;

import io.galleonfs.api.PolicyInfo;
import io.galleonfs.api.PolicyRunInfo;
import io.galleonfs.policy.CronSchedule;
import io.galleonfs.policy.SlotPlanner;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * One scheduler instance's decisions, made afresh on every tick from what the cluster says: nothing here survives a
 * restart, and nothing needs to. Per policy and tick: take pending manual runs and runs whose holder's lease expired;
 * then plan the firings due since the policy's watermark ({@link SlotPlanner}), record the missed ones, and claim the
 * one to run. Claims are Raft-committed on the nodes, so with several instances each firing runs once. Between
 * firings an idle tick sends nothing: the list is read when the earliest known firing is due, or every
 * {@code refresh} to notice changes.
 */
public final class SchedulerLoop {
    private static final Logger LOG = Logger.getLogger(SchedulerLoop.class);

    private final ClusterClient cluster;
    private final RunExecutor executor;
    private final Executor workers;
    private final SchedulerMetrics metrics;
    private final Clock clock;
    private final String claimant;
    private final int leaseSeconds;
    /** Runs executing in this process: never "taken over" from ourselves when a renewal is late. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final Map<String, CronSchedule> schedules = new ConcurrentHashMap<>();
    private final Duration refresh;
    private volatile Instant lastContact;
    /** When the policy list is read again at the latest (new policies, run-now, resumes, abandoned runs). */
    private Instant nextRefresh = Instant.MIN;
    /** The earliest firing of any known policy: before it, a tick costs one comparison and no request. */
    private Instant earliestDue = Instant.MIN;

    /**
     * @param refresh how often the policy list is read when nothing is due: the delay before a new or resumed policy,
     *                a run-now or an abandoned run is noticed
     */
    public SchedulerLoop(ClusterClient cluster, RunExecutor executor, Executor workers, SchedulerMetrics metrics, Clock clock,
                         String claimant, int leaseSeconds, Duration refresh) {
        this.refresh = refresh;
        this.cluster = cluster;
        this.executor = executor;
        this.workers = workers;
        this.metrics = metrics;
        this.clock = clock;
        this.claimant = claimant;
        this.leaseSeconds = leaseSeconds;
    }

    /** When the cluster last answered this instance (null: never). */
    public Instant lastContact() {
        return lastContact;
    }

    public int runningHere() {
        return running.size();
    }

    /**
     * Reads the policies and handles each, but only when a firing is due or the refresh interval has passed; a failure
     * with one policy does not stop the others, and makes the next tick try again.
     */
    public void tick() {
        Instant now = clock.instant();
        if (now.isBefore(nextRefresh) && now.isBefore(earliestDue)) {
            return;
        }
        java.util.List<PolicyInfo> policies;
        try {
            policies = cluster.listPolicies();
        } catch (ClusterException e) {
            LOG.warnf("cannot list policies: %s", e.getMessage());
            return;
        }
        lastContact = clock.instant();
        nextRefresh = now.plus(refresh);
        Instant due = Instant.MAX;
        for (PolicyInfo p : policies) {
            try {
                tick(p);
                if (!"suspended".equals(p.status())) {
                    Instant next = schedule(p).nextAfter(now).orElse(Instant.MAX);
                    due = next.isBefore(due) ? next : due;
                }
            } catch (ClusterException | IllegalArgumentException e) {
                LOG.warnf("policy %s: %s", p.spec().name(), e.getMessage());
                due = now;
            }
        }
        earliestDue = due;
    }

    private CronSchedule schedule(PolicyInfo p) {
        return schedules.computeIfAbsent(p.spec().schedule() + "|" + p.spec().timezone(),
                k -> CronSchedule.parse(p.spec().schedule(), ZoneId.of(p.spec().timezone())));
    }

    private void tick(PolicyInfo p) {
        String name = p.spec().name();
        Instant now = clock.instant();
        if (p.openRuns() != null) {
            for (PolicyRunInfo r : p.openRuns()) {
                boolean pending = "pending".equals(r.status());
                boolean abandoned = "running".equals(r.status()) && r.leaseUntil() != null && Instant.parse(r.leaseUntil()).isBefore(now)
                        && !running.contains(r.id());
                if (pending || abandoned) {
                    cluster.acquire(name, r.id(), claimant, leaseSeconds).ifPresent(run -> {
                        if (abandoned) {
                            LOG.infof("policy %s: took over run %s (attempt %d) from %s", name, run.id(), run.attempt(), r.claimedBy());
                        }
                        start(p, run, now);
                    });
                }
            }
        }
        if ("suspended".equals(p.status())) {
            return;
        }
        CronSchedule schedule = schedule(p);
        Duration deadline = p.spec().startingDeadline() == null ? null : Duration.ofSeconds(p.spec().startingDeadline());
        SlotPlanner.Plan plan = SlotPlanner.plan(schedule, Instant.parse(p.lastScheduledFor()), now, deadline);
        if (plan.missedCount() > 0 && cluster.recordMissed(name, plan.firstMissed().orElseThrow(), plan.lastMissed().orElseThrow(),
                plan.missedCount())) {
            LOG.infof("policy %s: %d firing(s) from %s to %s missed (too late to start)", name, plan.missedCount(),
                    plan.firstMissed().get(), plan.lastMissed().get());
            metrics.missed(name, plan.missedCount());
        }
        Optional<Instant> due = plan.run();
        if (due.isPresent()) {
            cluster.claim(name, due.get(), claimant, leaseSeconds).ifPresent(run -> {
                if ("running".equals(run.status())) {
                    start(p, run, now);
                } else {
                    LOG.infof("policy %s: firing %s %s: %s", name, run.scheduledFor(), run.status(), run.error());
                }
            });
        }
    }

    private void start(PolicyInfo p, PolicyRunInfo run, Instant now) {
        if (!run.manual()) {
            metrics.started(p.spec().name(), Duration.between(Instant.parse(run.scheduledFor()), clock.instant()));
        }
        running.add(run.id());
        workers.execute(() -> {
            try {
                executor.execute(p, run);
            } finally {
                running.remove(run.id());
            }
        });
    }
}
