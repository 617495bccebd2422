package io.galleonfs.scheduler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.PolicyRetention;
import io.galleonfs.api.PolicyRunInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchedulerLoopTest {
    private final ScheduledExecutorService renewals = Executors.newSingleThreadScheduledExecutor();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @AfterEach
    void stop() {
        renewals.shutdownNow();
    }

    private SchedulerLoop loop(FakeCluster cluster, String claimant) {
        RunExecutor executor = new RunExecutor(cluster, SchedulerMetrics.NONE, renewals, clock, claimant, 30, Duration.ofMillis(1));
        return new SchedulerLoop(cluster, executor, Runnable::run, SchedulerMetrics.NONE, clock, claimant, 30, Duration.ofSeconds(5));
    }

    @Test
    void dailySnapshotsRunOncePerFiringAndRetentionKeepsTheNewest() {
        FakeCluster cluster = new FakeCluster("snapshot", "0 2 * * *", 600L, new PolicyRetention(null, null, null, null, null, 3), clock.now);
        SchedulerLoop a = loop(cluster, "a");
        SchedulerLoop b = loop(cluster, "b");
        for (int day = 0; day < 5; day++) {
            clock.now = Instant.parse("2026-01-01T02:00:00.200Z").plus(Duration.ofDays(day));
            a.tick();
            b.tick();
            b.tick();
        }
        List<String> ends = cluster.calls.stream().filter(c -> c.startsWith("end")).toList();
        assertEquals(5, ends.size(), cluster.calls.toString());
        assertTrue(ends.stream().allMatch(c -> c.endsWith("succeeded")), ends.toString());
        // keep_last 3: the two oldest snapshots were deleted, through the policy's own history.
        assertEquals(List.of("db/nightly-20260103020000", "db/nightly-20260104020000", "db/nightly-20260105020000"), List.copyOf(cluster.snapshots));
    }

    @Test
    void afterAnOutageOnlyTheLatestFiringRunsAndTheRestAreRecordedMissed() {
        FakeCluster cluster = new FakeCluster("snapshot", "0 * * * *", 300L, new PolicyRetention(null, null, null, null, null, null), clock.now);
        clock.now = Instant.parse("2026-01-01T05:02:00Z");
        loop(cluster, "a").tick();
        assertEquals(List.of("missed 4 2026-01-01T01:00:00Z..2026-01-01T04:00:00Z", "claim 2026-01-01T05:00:00Z by a",
                "end 2026-01-01T05:00:00Z succeeded"), cluster.calls);
    }

    @Test
    void firingsOlderThanTheStartingDeadlineDoNotRun() {
        FakeCluster cluster = new FakeCluster("snapshot", "0 * * * *", 60L, new PolicyRetention(null, null, null, null, null, null), clock.now);
        clock.now = Instant.parse("2026-01-01T05:02:00Z");
        loop(cluster, "a").tick();
        assertEquals(List.of("missed 5 2026-01-01T01:00:00Z..2026-01-01T05:00:00Z"), cluster.calls);
        assertTrue(cluster.snapshots.isEmpty());
    }

    @Test
    void idleTicksSendNothingUntilAFiringIsDueOrTheRefreshIsOver() {
        FakeCluster cluster = new FakeCluster("snapshot", "0 2 * * *", null, new PolicyRetention(null, null, null, null, null, null), clock.now);
        int[] lists = {0};
        ClusterClient counting = (ClusterClient) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ClusterClient.class}, (proxy, m, args) -> {
                    if (m.getName().equals("listPolicies")) {
                        lists[0]++;
                    }
                    try {
                        return m.invoke(cluster, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        RunExecutor executor = new RunExecutor(counting, SchedulerMetrics.NONE, renewals, clock, "a", 30, Duration.ofMillis(1));
        SchedulerLoop loop = new SchedulerLoop(counting, executor, Runnable::run, SchedulerMetrics.NONE, clock, "a", 30, Duration.ofSeconds(5));
        loop.tick();
        for (int i = 0; i < 40; i++) {
            clock.now = clock.now.plusMillis(100);
            loop.tick();
        }
        assertEquals(1, lists[0], "4 s of idle ticks");
        clock.now = clock.now.plusSeconds(1);
        loop.tick();
        assertEquals(2, lists[0], "the refresh interval is over");
        clock.now = Instant.parse("2026-01-01T02:00:00.100Z");
        loop.tick();
        assertEquals(3, lists[0], "a firing is due");
        assertEquals(List.of("claim 2026-01-01T02:00:00Z by a", "end 2026-01-01T02:00:00Z succeeded"), cluster.calls);
    }

    @Test
    void suspendedPoliciesDoNotFire() {
        FakeCluster cluster = new FakeCluster("snapshot", "* * * * * ?", null, new PolicyRetention(null, null, null, null, null, null), clock.now);
        cluster.suspended = true;
        clock.now = clock.now.plusSeconds(10);
        loop(cluster, "a").tick();
        assertEquals(List.of(), cluster.calls);
    }

    @Test
    void anAbandonedRunIsTakenOverAndAdoptsTheSnapshotItsDeadHolderMade() {
        FakeCluster cluster = new FakeCluster("snapshot", "0 2 * * *", null, new PolicyRetention(null, null, null, null, null, null), clock.now);
        PolicyRunInfo dead = cluster.claim("nightly", Instant.parse("2026-01-01T02:00:00Z"), "dead", 30).orElseThrow();
        cluster.createSnapshot("db", "nightly-20260101020000");
        cluster.runs.put(dead.id(), new PolicyRunInfo(dead.id(), "nightly", dead.scheduledFor(), false, "running", "dead", 1, null, null, null,
                "2026-01-01T02:00:30Z", null, List.of(), null, null));
        clock.now = Instant.parse("2026-01-01T02:01:00Z");
        loop(cluster, "alive").tick();
        PolicyRunInfo after = cluster.runs.get(dead.id());
        assertEquals("succeeded", after.status(), cluster.calls.toString());
        assertEquals("alive", after.claimedBy());
        assertEquals(2, after.attempt());
        assertEquals("nightly-20260101020000", after.artifacts().getFirst().id());
    }

    @Test
    void backupPoliciesCallTheBackupApiWaitForTheJobAndPruneBackups() {
        FakeCluster cluster = new FakeCluster("backup", "0 2 * * *", 600L, new PolicyRetention(null, 2, null, null, null, null), clock.now);
        SchedulerLoop a = loop(cluster, "a");
        for (int day = 0; day < 3; day++) {
            clock.now = Instant.parse("2026-01-01T02:00:01Z").plus(Duration.ofDays(day));
            a.tick();
        }
        assertTrue(cluster.calls.contains("backup db to offsite incremental"), cluster.calls.toString());
        assertEquals(List.of("b-job-2", "b-job-3"), List.copyOf(cluster.backups));
        assertTrue(cluster.calls.contains("delete backup b-job-1"), cluster.calls.toString());
        assertTrue(cluster.calls.indexOf("prune target offsite") > cluster.calls.indexOf("delete backup b-job-1"), cluster.calls.toString());
    }

    @Test
    void theRetentionSweepPrunesWithoutARunAndPrunesTheTarget() {
        FakeCluster cluster = new FakeCluster("backup", "0 2 * * *", 600L, new PolicyRetention(null, null, null, null, null, 1), clock.now);
        SchedulerLoop a = loop(cluster, "a");
        clock.now = Instant.parse("2026-01-01T02:00:01Z");
        a.tick();
        // A second backup appears in the history with retention not yet applied (e.g. its run's own prune failed).
        PolicyRunInfo r = cluster.claim("nightly", Instant.parse("2026-01-02T02:00:00Z"), "b", 30).orElseThrow();
        cluster.update("nightly", r.id(), new io.galleonfs.api.RunUpdateRequest("b", "succeeded", null,
                List.of(new io.galleonfs.api.RunArtifact("db", "b-manual", false)), null));
        assertEquals(1, new RetentionSweep(cluster).sweep());
        assertTrue(cluster.calls.contains("delete backup b-job-1"), cluster.calls.toString());
        assertEquals("prune target offsite", cluster.calls.getLast());
        assertEquals(0, new RetentionSweep(cluster).sweep(), "nothing left to prune");
    }

    @Test
    void aFailingSnapshotFailsTheRunWithTheReasonAndPrunesNothing() {
        FakeCluster cluster = new FakeCluster("snapshot", "0 2 * * *", null, new PolicyRetention(null, null, null, null, null, 1), clock.now);
        cluster.createSnapshot("db", "nightly-20260101020000");
        clock.now = Instant.parse("2026-01-01T02:00:01Z");
        loop(cluster, "a").tick();
        assertTrue(cluster.calls.contains("end 2026-01-01T02:00:00Z failed: snapshot nightly-20260101020000 exists"), cluster.calls.toString());
        assertTrue(cluster.calls.stream().noneMatch(c -> c.startsWith("pruned")));
    }

    private static FakeCluster applicationConsistent(String kind, Instant created) {
        FakeCluster cluster = new FakeCluster(kind, "0 2 * * *", null, new PolicyRetention(null, null, null, null, null, null), created);
        io.galleonfs.api.PolicySpec s = cluster.spec;
        cluster.spec = new io.galleonfs.api.PolicySpec(s.name(), s.schedule(), s.retention(), s.strategy(), "application", s.timezone(),
                s.kind(), s.target(), s.selector(), s.concurrency(), s.startingDeadline(), s.suspended(),
                new io.galleonfs.api.PolicyHook(List.of("/bin/true"), null, null, 10),
                new io.galleonfs.api.PolicyHook(null, "http://127.0.0.1:1/post", "POST", 10));
        return cluster;
    }

    @Test
    void applicationConsistentRunsFreezeBetweenTheHooksAndSnapshotWhileFrozen() {
        FakeCluster cluster = applicationConsistent("snapshot", clock.now);
        clock.now = Instant.parse("2026-01-01T02:00:01Z");
        loop(cluster, "a").tick();
        assertEquals(List.of("pre-hook db", "freeze db", "snapshot db (frozen)", "thaw db", "post-url http://127.0.0.1:1/post"),
                cluster.sequence);
        assertTrue(cluster.calls.contains("end 2026-01-01T02:00:00Z succeeded"), cluster.calls.toString());
    }

    @Test
    void aFailingPreHookAbortsBeforeTheFreezeAndReportsItsReasonButThePostHookRuns() {
        FakeCluster cluster = applicationConsistent("snapshot", clock.now);
        cluster.hookFailures.put("pre", "pre-hook failed on node-1: exit 3: database refused to flush");
        clock.now = Instant.parse("2026-01-01T02:00:01Z");
        loop(cluster, "a").tick();
        assertEquals(List.of("pre-hook db", "post-url http://127.0.0.1:1/post"), cluster.sequence);
        assertTrue(cluster.calls.contains("end 2026-01-01T02:00:00Z failed: pre-hook failed on node-1: exit 3: database refused to flush"),
                cluster.calls.toString());
        assertTrue(cluster.snapshots.isEmpty());
    }

    @Test
    void aFailingPostHookFailsTheRunAfterTheThaw() {
        FakeCluster cluster = applicationConsistent("snapshot", clock.now);
        cluster.hookFailures.put("post", "hook POST http://127.0.0.1:1/post answered HTTP 500: down");
        clock.now = Instant.parse("2026-01-01T02:00:01Z");
        loop(cluster, "a").tick();
        assertEquals(List.of("pre-hook db", "freeze db", "snapshot db (frozen)", "thaw db", "post-url http://127.0.0.1:1/post"),
                cluster.sequence);
        assertTrue(cluster.calls.stream().anyMatch(c -> c.endsWith("failed: hook POST http://127.0.0.1:1/post answered HTTP 500: down")),
                cluster.calls.toString());
    }

    @Test
    void crashConsistentPoliciesSkipTheHooks() {
        FakeCluster cluster = applicationConsistent("snapshot", clock.now);
        io.galleonfs.api.PolicySpec s = cluster.spec;
        cluster.spec = new io.galleonfs.api.PolicySpec(s.name(), s.schedule(), s.retention(), s.strategy(), "crash", s.timezone(),
                s.kind(), s.target(), s.selector(), s.concurrency(), s.startingDeadline(), s.suspended(), s.preHook(), s.postHook());
        clock.now = Instant.parse("2026-01-01T02:00:01Z");
        loop(cluster, "a").tick();
        assertEquals(List.of("snapshot db"), cluster.sequence);
    }

    @Test
    void aBackupRunTakenOverFromADeadSchedulerIsAnsweredWithTheBackupItStarted() {
        FakeCluster cluster = new FakeCluster("backup", "0 2 * * *", null, new PolicyRetention(null, null, null, null, null, null), clock.now);
        PolicyRunInfo dead = cluster.claim("nightly", Instant.parse("2026-01-01T02:00:00Z"), "dead", 30).orElseThrow();
        // The dead holder had started the backup before it died.
        cluster.startBackup("db", "offsite", "incremental", RunExecutor.backupKey(dead, "db"));
        cluster.runs.put(dead.id(), new PolicyRunInfo(dead.id(), "nightly", dead.scheduledFor(), false, "running", "dead", 1, null, null, null,
                "2026-01-01T02:00:30Z", null, List.of(), null, null));
        clock.now = Instant.parse("2026-01-01T02:01:00Z");
        loop(cluster, "alive").tick();
        assertEquals(1, cluster.jobPolls.size(), "one backup job only: " + cluster.calls);
        assertTrue(cluster.calls.contains("backup db answered by job-1"), cluster.calls.toString());
        assertEquals("succeeded", cluster.runs.get(dead.id()).status());
        assertEquals("b-job-1", cluster.runs.get(dead.id()).artifacts().getFirst().id());
    }

    @Test
    void labelSelectorsAreMatchedAgainstTheVolumesAtRunTime() {
        FakeCluster cluster = new FakeCluster("snapshot", "0 2 * * *", null, new PolicyRetention(null, null, null, null, null, null), clock.now);
        io.galleonfs.api.PolicySpec s = cluster.spec;
        cluster.spec = new io.galleonfs.api.PolicySpec(s.name(), s.schedule(), s.retention(), s.strategy(), s.consistency(), s.timezone(),
                s.kind(), s.target(), new io.galleonfs.api.VolumeSelector(null, java.util.Map.of("tier", "gold"), null), s.concurrency(),
                s.startingDeadline(), s.suspended());
        cluster.volumes.add(new io.galleonfs.policy.VolumeSelection.Candidate("db", "default", java.util.Map.of("tier", "gold")));
        cluster.volumes.add(new io.galleonfs.policy.VolumeSelection.Candidate("web", "default", java.util.Map.of("tier", "bronze")));
        cluster.volumes.add(new io.galleonfs.policy.VolumeSelection.Candidate("logs", "ops", java.util.Map.of("tier", "gold")));
        clock.now = Instant.parse("2026-01-01T02:00:01Z");
        loop(cluster, "a").tick();
        // Outside the default namespace the volume is addressed as ns/name (names are unique per namespace only).
        assertEquals(List.of("db/nightly-20260101020000", "ops/logs/nightly-20260101020000"), List.copyOf(cluster.snapshots));
    }
}
