package io.galleonfs.node.meta;

import io.galleonfs.policy.Concurrency;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The policy commands of {@link MetadataState}: policies and their runs. Every decision that makes runs exactly-once
 * is taken here, in log order, so two schedulers racing for one firing get one "applied" and one "conflict".
 */
final class PolicyTransitions {
    /** Finished runs beyond this many per policy are forgotten, oldest first, unless they hold unpruned artifacts. */
    static final int HISTORY_LIMIT = 100;

    private final Map<String, PolicyRecord> policies;
    private final Map<String, List<PolicyRunRecord>> runs;

    PolicyTransitions(Map<String, PolicyRecord> policies, Map<String, List<PolicyRunRecord>> runs) {
        this.policies = policies;
        this.runs = runs;
    }

    MetaResult create(PolicyRecord p) {
        if (policies.containsKey(p.name())) {
            return conflict("a policy named '" + p.name() + "' already exists");
        }
        policies.put(p.name(), p);
        runs.put(p.name(), new ArrayList<>());
        return null;
    }

    MetaResult delete(String name) {
        if (policies.remove(name) == null) {
            return notFound(name);
        }
        runs.remove(name);
        return null;
    }

    MetaResult update(PolicyRecord edited) {
        PolicyRecord p = policies.get(edited.name());
        if (p == null) {
            return notFound(edited.name());
        }
        policies.put(p.name(), new PolicyRecord(p.id(), p.name(), edited.schedule(), edited.timezone(), edited.kind(), edited.target(),
                edited.strategy(), edited.consistency(), edited.hourly(), edited.daily(), edited.weekly(), edited.monthly(), edited.yearly(),
                edited.keepLast(), edited.volumes(), edited.labels(), edited.concurrency(), edited.startingDeadlineSeconds(), p.suspended(),
                p.createdAtMillis(), p.lastScheduledForMillis(), edited.selectorNamespace(), edited.preHook(), edited.postHook()));
        return null;
    }

    MetaResult rename(String name, String newName) {
        PolicyRecord p = policies.get(name);
        if (p == null) {
            return notFound(name);
        }
        if (policies.containsKey(newName)) {
            return conflict("a policy named '" + newName + "' already exists");
        }
        List<PolicyRunRecord> open = runs.getOrDefault(name, List.of()).stream().filter(r -> !r.finished()).toList();
        if (!open.isEmpty()) {
            // A restarted attempt names its snapshot after the policy: renamed mid-run it would not find the first one.
            return conflict("policy '" + name + "' has run " + open.getFirst().id() + " " + open.getFirst().status()
                    + "; suspend it and rename once the run ended");
        }
        policies.remove(name);
        policies.put(newName, p.withName(newName));
        List<PolicyRunRecord> moved = new ArrayList<>();
        runs.getOrDefault(name, List.of()).forEach(r -> moved.add(r.renamed(newName)));
        runs.remove(name);
        runs.put(newName, moved);
        return null;
    }

    MetaResult suspend(String name, boolean suspended) {
        PolicyRecord p = policies.get(name);
        if (p == null) {
            return notFound(name);
        }
        policies.put(name, p.withSuspended(suspended));
        return null;
    }

    MetaResult request(MetaCommand.RequestPolicyRun c) {
        if (!policies.containsKey(c.policy())) {
            return notFound(c.policy());
        }
        add(new PolicyRunRecord(c.runId(), c.policy(), c.nowMillis(), true, PolicyRunRecord.PENDING, null, 0, 0, 0, 0, null, List.of(), 0, 0));
        return null;
    }

    MetaResult claimSlot(MetaCommand.ClaimPolicySlot c) {
        PolicyRecord p = policies.get(c.policy());
        if (p == null) {
            return notFound(c.policy());
        }
        if (p.suspended()) {
            return conflict("policy '" + p.name() + "' is suspended");
        }
        if (c.scheduledForMillis() <= p.lastScheduledForMillis()) {
            return conflict("the firing at " + java.time.Instant.ofEpochMilli(c.scheduledForMillis()) + " of policy '" + p.name()
                    + "' is already handled (claimed or missed)");
        }
        if (findRun(c.policy(), c.runId()) != null) {
            return conflict("run " + c.runId() + " already exists");
        }
        policies.put(p.name(), p.withWatermark(c.scheduledForMillis()));
        PolicyRunRecord run = new PolicyRunRecord(c.runId(), p.name(), c.scheduledForMillis(), false, PolicyRunRecord.PENDING, null, 0,
                0, 0, 0, null, List.of(), 0, 0);
        add(start(p, run, c.claimant(), c.nowMillis(), c.leaseMillis()));
        return null;
    }

    MetaResult acquire(MetaCommand.AcquirePolicyRun c) {
        PolicyRecord p = policies.get(c.policy());
        if (p == null) {
            return notFound(c.policy());
        }
        PolicyRunRecord run = findRun(c.policy(), c.runId());
        if (run == null) {
            return new MetaResult.Rejected(MetaResult.Reason.NOT_FOUND, "run " + c.runId() + " not found");
        }
        if (run.status().equals(PolicyRunRecord.PENDING)) {
            replace(start(p, run, c.claimant(), c.nowMillis(), c.leaseMillis()));
            return null;
        }
        if (run.status().equals(PolicyRunRecord.RUNNING) && run.leaseUntilMillis() < c.nowMillis()) {
            // The holder stopped renewing (it died): take the run over; the job is restarted, not duplicated, because
            // the artifact it creates is named after the run.
            replace(run.with(PolicyRunRecord.RUNNING, c.claimant(), run.attempt() + 1, run.startedAtMillis(), 0,
                    c.nowMillis() + c.leaseMillis(), null, run.artifacts()));
            return null;
        }
        return conflict("run " + c.runId() + " is " + run.status()
                + (run.status().equals(PolicyRunRecord.RUNNING) ? " and held by " + run.claimedBy() : ""));
    }

    MetaResult update(MetaCommand.UpdatePolicyRun c) {
        PolicyRunRecord run = findRun(c.policy(), c.runId());
        if (run == null) {
            return new MetaResult.Rejected(MetaResult.Reason.NOT_FOUND, "run " + c.runId() + " of policy '" + c.policy() + "' not found");
        }
        if (!run.status().equals(PolicyRunRecord.RUNNING) || !run.claimedBy().equals(c.claimant())) {
            return conflict("run " + c.runId() + " is " + run.status() + (run.claimedBy() == null ? "" : ", held by " + run.claimedBy()));
        }
        List<PolicyRunRecord.Artifact> artifacts = c.artifacts() == null ? run.artifacts() : c.artifacts();
        if (c.status().equals(PolicyRunRecord.RUNNING)) {
            replace(run.with(PolicyRunRecord.RUNNING, run.claimedBy(), run.attempt(), run.startedAtMillis(), 0,
                    c.nowMillis() + c.leaseMillis(), null, artifacts));
        } else {
            replace(run.with(c.status(), run.claimedBy(), run.attempt(), run.startedAtMillis(), c.nowMillis(), 0, c.error(), artifacts));
            trim(c.policy());
        }
        return null;
    }

    MetaResult missed(MetaCommand.RecordMissedRuns c) {
        PolicyRecord p = policies.get(c.policy());
        if (p == null) {
            return notFound(c.policy());
        }
        if (c.fromMillis() <= p.lastScheduledForMillis()) {
            // A scheduler planning from a stale watermark would count firings another one already recorded or ran.
            return conflict("firings from " + java.time.Instant.ofEpochMilli(c.fromMillis()) + " of policy '" + p.name() + "' are already handled");
        }
        policies.put(p.name(), p.withWatermark(c.toMillis()));
        add(new PolicyRunRecord(c.runId(), p.name(), c.fromMillis(), false, PolicyRunRecord.MISSED, null, 0, 0, c.nowMillis(), 0,
                "too late to start (starting_deadline " + p.startingDeadlineSeconds() + " s)", List.of(), c.count(), c.toMillis()));
        trim(p.name());
        return null;
    }

    MetaResult pruned(MetaCommand.MarkArtifactsPruned c) {
        List<PolicyRunRecord> list = runs.get(c.policy());
        if (list == null) {
            return notFound(c.policy());
        }
        Set<String> ids = new HashSet<>(c.artifactIds());
        list.replaceAll(r -> r.artifacts().stream().anyMatch(a -> ids.contains(a.id()))
                ? r.with(r.status(), r.claimedBy(), r.attempt(), r.startedAtMillis(), r.finishedAtMillis(), r.leaseUntilMillis(), r.error(),
                        r.artifacts().stream().map(a -> ids.contains(a.id()) ? new PolicyRunRecord.Artifact(a.volume(), a.id(), true) : a).toList())
                : r);
        trim(c.policy());
        return null;
    }

    /** Starts a run under the policy's concurrency rule against the runs still running. */
    private PolicyRunRecord start(PolicyRecord p, PolicyRunRecord run, String claimant, long now, long lease) {
        List<PolicyRunRecord> running = runs.get(p.name()).stream().filter(r -> r.status().equals(PolicyRunRecord.RUNNING)).toList();
        if (!running.isEmpty()) {
            switch (Concurrency.parse(p.concurrency())) {
                case FORBID -> {
                    return run.with(PolicyRunRecord.SKIPPED, claimant, 0, now, now, 0,
                            "concurrency forbid: run " + running.getFirst().id() + " is still running", List.of());
                }
                case REPLACE -> running.forEach(r -> replace(r.with(PolicyRunRecord.REPLACED, r.claimedBy(), r.attempt(), r.startedAtMillis(),
                        now, 0, "replaced by run " + run.id() + " (concurrency replace)", r.artifacts())));
                case ALLOW -> {
                }
            }
        }
        return run.with(PolicyRunRecord.RUNNING, claimant, 1, now, 0, now + lease, null, List.of());
    }

    private PolicyRunRecord findRun(String policy, UUID id) {
        List<PolicyRunRecord> list = runs.get(policy);
        return list == null ? null : list.stream().filter(r -> r.id().equals(id)).findFirst().orElse(null);
    }

    private void add(PolicyRunRecord run) {
        runs.computeIfAbsent(run.policy(), k -> new ArrayList<>()).add(run);
    }

    private void replace(PolicyRunRecord run) {
        runs.get(run.policy()).replaceAll(r -> r.id().equals(run.id()) ? run : r);
    }

    private void trim(String policy) {
        List<PolicyRunRecord> list = runs.get(policy);
        int excess = list.size() - HISTORY_LIMIT;
        for (int i = 0; i < list.size() && excess > 0; ) {
            PolicyRunRecord r = list.get(i);
            if (r.finished() && !r.holdsLiveArtifacts()) {
                list.remove(i);
                excess--;
            } else {
                i++;
            }
        }
    }

    private static MetaResult conflict(String detail) {
        return new MetaResult.Rejected(MetaResult.Reason.CONFLICT, detail);
    }

    private static MetaResult notFound(String policy) {
        return new MetaResult.Rejected(MetaResult.Reason.NOT_FOUND, "policy '" + policy + "' not found");
    }
}
