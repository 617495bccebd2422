package io.galleonfs.scheduler.core;

import io.galleonfs.api.PolicyHook;
import io.galleonfs.api.PolicyInfo;
import io.galleonfs.api.PolicyRunInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Application consistency around the moment a snapshot is taken: pre-hook → fsfreeze of the volume's file-system
 * mounts → the snapshot → thaw → post-hook. Thaw and post-hook always run once the pre-hook ran (like {@code finally});
 * a failing pre-hook aborts before anything is frozen or taken, and the first failure is the one reported.
 */
final class ConsistentSnapshot {
    private static final Logger LOG = Logger.getLogger(ConsistentSnapshot.class);
    /** How long a freeze may last at most: the node thaws by itself then, whatever happened to this scheduler. */
    static final int FREEZE_TIMEOUT_SECONDS = 120;

    private final ClusterClient cluster;

    ConsistentSnapshot(ClusterClient cluster) {
        this.cluster = cluster;
    }

    <T> T around(PolicyInfo policy, PolicyRunInfo run, String volume, Supplier<T> snapshot) {
        String name = policy.spec().name();
        hook(policy, run, volume, "pre", policy.spec().preHook()).ifPresent(f -> {
            // The post-hook still runs: it undoes what the pre-hook may have done before failing.
            hook(policy, run, volume, "post", policy.spec().postHook());
            throw new ClusterException(0, f);
        });
        RuntimeException failure = null;
        T taken = null;
        try {
            List<String> frozen = cluster.freeze(volume, FREEZE_TIMEOUT_SECONDS);
            try {
                taken = snapshot.get();
            } finally {
                boolean stillFrozen = cluster.thaw(volume);
                if (!frozen.isEmpty() && !stillFrozen) {
                    throw new ClusterException(0, "the file system of " + volume + " thawed by its " + FREEZE_TIMEOUT_SECONDS
                            + " s timeout before the snapshot was taken: not application-consistent");
                }
            }
            if (!frozen.isEmpty()) {
                LOG.infof("policy %s: %s frozen at %s for its snapshot", name, volume, frozen);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        var post = hook(policy, run, volume, "post", policy.spec().postHook());
        if (failure != null) {
            throw failure;
        }
        if (post.isPresent()) {
            throw new ClusterException(0, post.get());
        }
        return taken;
    }

    /** Runs one hook; the failure's text when it did not succeed. */
    private java.util.Optional<String> hook(PolicyInfo policy, PolicyRunInfo run, String volume, String phase, PolicyHook hook) {
        if (hook == null) {
            return java.util.Optional.empty();
        }
        ClusterClient.HookOutcome o;
        try {
            if (hook.command() != null && !hook.command().isEmpty()) {
                o = cluster.runCommandHook(policy.spec().name(), phase, volume, run.id());
            } else {
                Map<String, String> body = new LinkedHashMap<>();
                body.put("policy", policy.spec().name());
                body.put("phase", phase);
                body.put("volume", volume);
                body.put("run_id", run.id());
                body.put("scheduled_for", run.scheduledFor());
                o = cluster.callUrlHook(hook, body);
            }
        } catch (ClusterException e) {
            o = new ClusterClient.HookOutcome(false, phase + "-hook could not run: " + e.getMessage());
        }
        return o.ok() ? java.util.Optional.empty() : java.util.Optional.of(o.failure());
    }
}
