package io.galleonfs.node.policy;

import io.galleonfs.api.Labels;
import io.galleonfs.api.MissedRunsRequest;
import io.galleonfs.api.Names;
import io.galleonfs.api.PolicyInfo;
import io.galleonfs.api.PolicyRetention;
import io.galleonfs.api.PolicyRunInfo;
import io.galleonfs.api.PolicySpec;
import io.galleonfs.api.PrunedRequest;
import io.galleonfs.api.RunArtifact;
import io.galleonfs.api.RunClaimRequest;
import io.galleonfs.api.RunUpdateRequest;
import io.galleonfs.api.VolumeSelector;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.PolicyRecord;
import io.galleonfs.node.meta.PolicyRunRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.MetaCommands;
import io.galleonfs.policy.Concurrency;
import io.galleonfs.policy.CronSchedule;
import io.galleonfs.policy.RetentionRule;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Backup and snapshot policies: validation, the metadata commands that store them, and the run claims schedulers make. */
public final class PolicyService {
    /** A policy's snapshots are named {@code <policy>-<yyyyMMddHHmmss>[m]}, and snapshot names have at most 63 characters. */
    static final int MAX_NAME = 47;
    private static final Set<String> KINDS = Set.of("backup", "snapshot");
    private static final Set<String> STRATEGIES = Set.of("full", "incremental", "differential");
    private static final Set<String> CONSISTENCY = Set.of("crash", "application");
    private static final Set<String> END_STATES = Set.of(PolicyRunRecord.SUCCEEDED, PolicyRunRecord.FAILED);
    private static final int MAX_LEASE_SECONDS = 3600;
    private static final int MAX_ERROR = 4096;

    private final MetadataStore store;
    private final MetaCommands commands;
    private final Clock clock;

    public PolicyService(MetadataStore store, Clock clock) {
        this.store = store;
        this.commands = new MetaCommands(store);
        this.clock = clock;
    }

    public PolicyInfo create(PolicySpec spec) {
        PolicyRecord record = validate(spec, UUID.randomUUID(), clock.millis());
        commands.submit(new MetaCommand.CreatePolicy(record));
        return info(record);
    }

    /** Replaces the spec of policy {@code name} (the body's name, when given, must be the same: renaming is its own call). */
    public PolicyInfo update(String name, PolicySpec spec) {
        PolicyRecord current = record(name);
        if (spec != null && spec.name() != null && !spec.name().equals(name)) {
            throw GalleonException.badRequest("the body names policy '" + spec.name() + "' but the path names '" + name
                    + "': rename with POST /api/v1/policies/" + name + "/rename");
        }
        PolicySpec named = spec == null || spec.name() != null ? spec : new PolicySpec(name, spec.schedule(), spec.retention(), spec.strategy(),
                spec.consistency(), spec.timezone(), spec.kind(), spec.target(), spec.selector(), spec.concurrency(), spec.startingDeadline(),
                spec.suspended(), spec.preHook(), spec.postHook());
        PolicyRecord record = validate(named, current.id(), clock.millis());
        commands.submit(new MetaCommand.UpdatePolicy(record));
        return get(name);
    }

    public List<PolicyInfo> list() {
        return store.state().policies().stream().map(this::info).toList();
    }

    public PolicyInfo get(String name) {
        return info(record(name));
    }

    public void delete(String name) {
        commands.submit(new MetaCommand.DeletePolicy(name));
    }

    /** Renames a policy; its history (and so what retention may prune) moves with it. */
    public PolicyInfo rename(String name, String newName) {
        record(name);
        try {
            Names.requireValid("policy", newName);
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        if (newName.length() > MAX_NAME) {
            throw GalleonException.badRequest("policy name '" + newName + "' is longer than " + MAX_NAME
                    + " characters (its snapshots are named <policy>-<timestamp>)");
        }
        commands.submit(new MetaCommand.RenamePolicy(name, newName));
        return get(newName);
    }

    public PolicyInfo setSuspended(String name, boolean suspended) {
        commands.submit(new MetaCommand.SetPolicySuspended(name, suspended));
        return get(name);
    }

    public PolicyRunInfo runNow(String name) {
        UUID id = UUID.randomUUID();
        commands.submit(new MetaCommand.RequestPolicyRun(name, id, clock.millis()));
        return run(name, id);
    }

    public List<PolicyRunInfo> history(String name, int limit) {
        record(name);
        List<PolicyRunRecord> runs = new ArrayList<>(store.state().policyRuns(name));
        runs.sort(Comparator.comparingLong(PolicyRunRecord::scheduledForMillis).reversed());
        return runs.stream().limit(limit <= 0 ? Long.MAX_VALUE : limit).map(PolicyService::runInfo).toList();
    }

    public PolicyRunInfo claim(String name, RunClaimRequest request) {
        if (request == null || request.scheduledFor() == null) {
            throw GalleonException.badRequest("scheduled_for is required: the firing's ISO-8601 instant");
        }
        Instant at = instant("scheduled_for", request.scheduledFor());
        UUID id = UUID.randomUUID();
        commands.submit(new MetaCommand.ClaimPolicySlot(name, id, at.toEpochMilli(), claimant(request.claimant()), clock.millis(),
                lease(request.leaseSeconds())));
        return run(name, id);
    }

    public PolicyRunInfo acquire(String name, String runId, RunClaimRequest request) {
        if (request == null) {
            throw GalleonException.badRequest("request body is required: {claimant, lease_seconds}");
        }
        UUID id = runId(runId);
        commands.submit(new MetaCommand.AcquirePolicyRun(name, id, claimant(request.claimant()), clock.millis(), lease(request.leaseSeconds())));
        return run(name, id);
    }

    public PolicyRunInfo update(String name, String runId, RunUpdateRequest request) {
        if (request == null || request.status() == null) {
            throw GalleonException.badRequest("status is required: running, succeeded or failed");
        }
        String status = request.status().toLowerCase(Locale.ROOT);
        if (!status.equals(PolicyRunRecord.RUNNING) && !END_STATES.contains(status)) {
            throw GalleonException.badRequest("status '" + request.status() + "' is not one of running, succeeded, failed");
        }
        List<PolicyRunRecord.Artifact> artifacts = null;
        if (request.artifacts() != null) {
            artifacts = new ArrayList<>();
            for (RunArtifact a : request.artifacts()) {
                if (a == null || a.volume() == null || a.id() == null || a.id().isBlank()) {
                    throw GalleonException.badRequest("each artifact needs a volume and an id");
                }
                artifacts.add(new PolicyRunRecord.Artifact(a.volume(), a.id(), Boolean.TRUE.equals(a.pruned())));
            }
        }
        String error = request.error() == null ? null
                : request.error().length() > MAX_ERROR ? request.error().substring(request.error().length() - MAX_ERROR) : request.error();
        UUID id = runId(runId);
        commands.submit(new MetaCommand.UpdatePolicyRun(name, id, claimant(request.claimant()), status, clock.millis(),
                lease(request.leaseSeconds()), error, artifacts));
        return run(name, id);
    }

    public PolicyRunInfo missed(String name, MissedRunsRequest request) {
        if (request == null || request.from() == null || request.to() == null || request.count() == null || request.count() < 1) {
            throw GalleonException.badRequest("from, to (ISO-8601 instants) and count (at least 1) are required");
        }
        Instant from = instant("from", request.from());
        Instant to = instant("to", request.to());
        if (to.isBefore(from)) {
            throw GalleonException.badRequest("to is before from");
        }
        UUID id = UUID.randomUUID();
        commands.submit(new MetaCommand.RecordMissedRuns(name, id, from.toEpochMilli(), to.toEpochMilli(), request.count(), clock.millis()));
        return run(name, id);
    }

    public void pruned(String name, PrunedRequest request) {
        if (request == null || request.artifacts() == null || request.artifacts().stream().anyMatch(a -> a == null || a.isBlank())) {
            throw GalleonException.badRequest("artifacts is required: the snapshot names or backup ids deleted");
        }
        commands.submit(new MetaCommand.MarkArtifactsPruned(name, List.copyOf(request.artifacts())));
    }

    /**
     * Runs the policy's command hook for {@code phase} (pre or post) here, if this is the node that has the volume
     * mounted (or, when it is mounted nowhere, its primary); otherwise 503 naming the node, so a client that knows
     * several nodes moves on to it. Its outcome is the answer whatever its exit code: the caller decides.
     */
    public io.galleonfs.api.HookResult runHook(String name, String phase, io.galleonfs.api.HookRequest request, String nodeId,
                                               HookRunner runner) {
        PolicyRecord p = record(name);
        io.galleonfs.api.PolicyHook hook = switch (phase) {
            case "pre" -> p.preHook();
            case "post" -> p.postHook();
            default -> throw GalleonException.badRequest("hook phase '" + phase + "' is not one of pre, post");
        };
        if (hook == null || hook.command() == null) {
            throw GalleonException.badRequest("policy '" + name + "' has no " + phase + " command hook"
                    + (hook == null ? "" : " (its url hook is called by the scheduler)"));
        }
        if (request == null || request.volume() == null || request.volume().isBlank()) {
            throw GalleonException.badRequest("volume is required: the volume the hook runs for");
        }
        io.galleonfs.node.meta.VolumeRecord v = switch (io.galleonfs.node.meta.VolumeLookup.resolve(store.state(), request.volume(), null,
                io.galleonfs.node.auth.NamespaceScope.ALL)) {
            case io.galleonfs.node.meta.VolumeLookup.Found f -> f.volume();
            case io.galleonfs.node.meta.VolumeLookup.Missing m -> throw GalleonException.notFound("volume '" + request.volume() + "' not found");
            case io.galleonfs.node.meta.VolumeLookup.Ambiguous a -> throw GalleonException.conflict(a.detail());
        };
        var covered = new io.galleonfs.policy.VolumeSelection(p.volumes(), p.labels(), p.selectorNamespace())
                .covers(new io.galleonfs.policy.VolumeSelection.Candidate(v.name(), v.namespace(), store.state().volumeLabels(v.id())));
        if (!covered) {
            // The admin who stored the command approved it for the volumes the policy covers, not for any volume.
            throw GalleonException.forbidden("policy '" + name + "' does not cover volume '" + v.name() + "': its hooks run only for"
                    + " the volumes its selector covers");
        }
        List<String> mountedOn = v.mounts().stream().map(m -> m.node()).distinct().toList();
        String runsOn = mountedOn.isEmpty() ? v.node() : mountedOn.contains(nodeId) ? nodeId : mountedOn.getFirst();
        if (!runsOn.equals(nodeId)) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "volume '" + v.name() + "' is "
                    + (mountedOn.isEmpty() ? "not mounted; its primary is node " : "mounted on node ") + runsOn
                    + store.state().node(runsOn).map(n -> " (api " + n.ipcAddress() + ")").orElse("") + ": its hooks run there");
        }
        List<String> paths = v.mounts().stream().filter(m -> m.node().equals(nodeId)).map(m -> m.path()).toList();
        Map<String, String> env = new java.util.TreeMap<>();
        env.put("GALLEON_POLICY", p.name());
        env.put("GALLEON_HOOK_PHASE", phase);
        env.put("GALLEON_VOLUME", v.name());
        env.put("GALLEON_MOUNT_PATHS", String.join(":", paths));
        if (request.runId() != null) {
            env.put("GALLEON_RUN_ID", request.runId());
        }
        return runner.run(phase, nodeId, hook.command(), hook.timeoutSeconds(), env);
    }

    /** True when the spec has a command hook: running commands on nodes is for admins only. */
    public static boolean hasCommandHook(PolicySpec spec) {
        return spec != null && (spec.preHook() != null && spec.preHook().command() != null && !spec.preHook().command().isEmpty()
                || spec.postHook() != null && spec.postHook().command() != null && !spec.postHook().command().isEmpty());
    }

    private PolicyRecord record(String name) {
        return store.state().policy(name).orElseThrow(() -> GalleonException.notFound("policy '" + name + "' not found"));
    }

    private PolicyRunInfo run(String policy, UUID id) {
        return store.state().policyRuns(policy).stream().filter(r -> r.id().equals(id)).findFirst().map(PolicyService::runInfo)
                .orElseThrow(() -> GalleonException.notFound("run " + id + " of policy '" + policy + "' not found"));
    }

    PolicyRecord validate(PolicySpec spec, UUID id, long now) {
        if (spec == null) {
            throw GalleonException.badRequest("request body is required: a policy object");
        }
        try {
            Names.requireValid("policy", spec.name());
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        if (spec.name().length() > MAX_NAME) {
            throw GalleonException.badRequest("policy name '" + spec.name() + "' is longer than " + MAX_NAME
                    + " characters (its snapshots are named <policy>-<timestamp>)");
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(spec.timezone() == null || spec.timezone().isBlank() ? "UTC" : spec.timezone().trim());
        } catch (DateTimeException e) {
            throw GalleonException.badRequest("timezone '" + spec.timezone() + "' is not a known time zone (use a region id such as Europe/Berlin)");
        }
        CronSchedule schedule;
        try {
            schedule = CronSchedule.parse(spec.schedule(), zone);
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        String kind = oneOf("kind", spec.kind(), KINDS, "backup");
        String strategy = oneOf("strategy", spec.strategy(), STRATEGIES, "incremental");
        String consistency = oneOf("consistency", spec.consistency(), CONSISTENCY, "crash");
        String target = spec.target() == null || spec.target().isBlank() ? null : spec.target().trim();
        if (kind.equals("backup") && target == null) {
            throw GalleonException.badRequest("target is required for a backup policy (the backup target to write to)");
        }
        if (kind.equals("backup") && store.state().backups().target(target).isEmpty()) {
            throw GalleonException.badRequest("backup target '" + target + "' does not exist (see galleonfs backup-target list)");
        }
        if (kind.equals("snapshot") && target != null) {
            throw GalleonException.badRequest("target is only for backup policies; a snapshot policy keeps its snapshots on the volume");
        }
        PolicyRetention r = spec.retention() == null ? new PolicyRetention(null, null, null, null, null, null) : spec.retention();
        RetentionRule rule;
        try {
            rule = new RetentionRule(n(r.hourly()), n(r.daily()), n(r.weekly()), n(r.monthly()), n(r.yearly()), n(r.keepLast()));
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        VolumeSelector sel = spec.selector() == null ? new VolumeSelector(List.of(), Map.of()) : spec.selector();
        List<String> volumes = sel.volumes() == null ? List.of() : sel.volumes();
        Map<String, String> labels = sel.labels() == null ? Map.of() : sel.labels();
        String namespace = sel.namespace() == null || sel.namespace().isBlank() ? null : sel.namespace().trim();
        if (volumes.isEmpty() && labels.isEmpty() && namespace == null) {
            throw GalleonException.badRequest("selector is required: volumes (names), labels and/or a namespace choose what the policy covers");
        }
        for (String v : volumes) {
            try {
                Names.requireValid("selector volume", v);
            } catch (IllegalArgumentException e) {
                throw GalleonException.badRequest(e.getMessage());
            }
            if (store.state().volumesNamed(v).stream().noneMatch(x -> namespace == null || x.namespace().equals(namespace))) {
                throw GalleonException.badRequest("selector volume '" + v + "' does not exist");
            }
        }
        try {
            Labels.requireValid(labels);
            if (namespace != null) {
                Names.requireValid("selector namespace", namespace);
            }
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest("selector: " + e.getMessage());
        }
        io.galleonfs.api.PolicyHook pre = PolicyHooks.validate("pre_hook", spec.preHook());
        io.galleonfs.api.PolicyHook post = PolicyHooks.validate("post_hook", spec.postHook());
        String concurrency;
        try {
            concurrency = Concurrency.parse(spec.concurrency()).wire();
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        if (spec.startingDeadline() != null && spec.startingDeadline() < 0) {
            throw GalleonException.badRequest("starting_deadline must not be negative, got " + spec.startingDeadline());
        }
        return new PolicyRecord(id, spec.name(), schedule.text(), zone.getId(), kind, target, strategy, consistency, rule.hourly(),
                rule.daily(), rule.weekly(), rule.monthly(), rule.yearly(), rule.keepLast(), volumes, labels, concurrency,
                spec.startingDeadline(), Boolean.TRUE.equals(spec.suspended()), now, now, namespace, pre, post);
    }

    private static int n(Integer v) {
        return v == null ? 0 : v;
    }

    private static String oneOf(String field, String value, Set<String> allowed, String fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw GalleonException.badRequest(field + " '" + value + "' is not one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
        return v;
    }

    private static Instant instant(String field, String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw GalleonException.badRequest(field + " '" + text + "' is not an ISO-8601 instant such as 2026-01-01T02:00:00Z");
        }
    }

    private static UUID runId(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest("run id '" + text + "' is not a UUID");
        }
    }

    private static String claimant(String c) {
        if (c == null || c.isBlank() || c.length() > 200) {
            throw GalleonException.badRequest("claimant is required: the scheduler instance's id (at most 200 characters)");
        }
        return c;
    }

    private static long lease(Integer seconds) {
        int s = seconds == null ? 30 : seconds;
        if (s < 1 || s > MAX_LEASE_SECONDS) {
            throw GalleonException.badRequest("lease_seconds must be between 1 and " + MAX_LEASE_SECONDS + ", got " + s);
        }
        return s * 1000L;
    }

    PolicyInfo info(PolicyRecord p) {
        PolicySpec spec = new PolicySpec(p.name(), p.schedule(),
                new PolicyRetention(p.hourly(), p.daily(), p.weekly(), p.monthly(), p.yearly(), p.keepLast()), p.strategy(),
                p.consistency(), p.timezone(), p.kind(), p.target(), new VolumeSelector(p.volumes(), p.labels(), p.selectorNamespace()), p.concurrency(),
                p.startingDeadlineSeconds(), p.suspended(), p.preHook(), p.postHook());
        Instant now = clock.instant();
        Instant from = Instant.ofEpochMilli(Math.max(now.toEpochMilli(), p.lastScheduledForMillis()));
        String next = p.suspended() ? null
                : CronSchedule.parse(p.schedule(), ZoneId.of(p.timezone())).nextAfter(from).map(Instant::toString).orElse(null);
        PolicyRunInfo last = store.state().policyRuns(p.name()).stream()
                .max(Comparator.comparingLong(PolicyRunRecord::scheduledForMillis)).map(PolicyService::runInfo).orElse(null);
        return new PolicyInfo(p.id().toString(), spec, p.suspended() ? "suspended" : "active", Instant.ofEpochMilli(p.createdAtMillis()).toString(),
                Instant.ofEpochMilli(p.lastScheduledForMillis()).toString(), next, last,
                store.state().policyRuns(p.name()).stream().filter(r -> !r.finished()).map(PolicyService::runInfo).toList());
    }

    static PolicyRunInfo runInfo(PolicyRunRecord r) {
        Long duration = r.finishedAtMillis() > 0 && r.startedAtMillis() > 0 ? r.finishedAtMillis() - r.startedAtMillis() : null;
        return new PolicyRunInfo(r.id().toString(), r.policy(), Instant.ofEpochMilli(r.scheduledForMillis()).toString(), r.manual(), r.status(),
                r.claimedBy(), r.attempt(), time(r.startedAtMillis()), time(r.finishedAtMillis()), duration,
                r.status().equals(PolicyRunRecord.RUNNING) ? time(r.leaseUntilMillis()) : null, r.error(),
                r.artifacts().stream().map(a -> new RunArtifact(a.volume(), a.id(), a.pruned())).toList(),
                r.status().equals(PolicyRunRecord.MISSED) ? r.missedCount() : null,
                r.status().equals(PolicyRunRecord.MISSED) ? time(r.missedUntilMillis()) : null);
    }

    private static String time(long millis) {
        return millis > 0 ? Instant.ofEpochMilli(millis).toString() : null;
    }
}
