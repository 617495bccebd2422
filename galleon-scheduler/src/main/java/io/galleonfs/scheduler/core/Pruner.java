package io.galleonfs.scheduler.core;

import io.galleonfs.api.PolicyInfo;
import io.galleonfs.api.PolicyRetention;
import io.galleonfs.api.PolicyRunInfo;
import io.galleonfs.api.RunArtifact;
import io.galleonfs.policy.Retention;
import io.galleonfs.policy.RetentionRule;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Applies a policy's retention to what its own runs created, volume by volume. The policy's run history in cluster
 * metadata is the tag: only artifacts recorded there are ever candidates, so snapshots people take, and those of other
 * policies, are never touched. Deleting is idempotent (already gone counts as deleted), so two schedulers pruning at once
 * do no harm. After deleting backups it starts the target's repository prune, which frees the space they alone used.
 */
public final class Pruner {
    private static final Logger LOG = Logger.getLogger(Pruner.class);
    private final ClusterClient cluster;

    public Pruner(ClusterClient cluster) {
        this.cluster = cluster;
    }

    /** @return the artifact ids deleted */
    public List<String> prune(PolicyInfo policy) {
        PolicyRetention r = policy.spec().retention();
        RetentionRule rule = new RetentionRule(n(r.hourly()), n(r.daily()), n(r.weekly()), n(r.monthly()), n(r.yearly()), n(r.keepLast()));
        if (rule.keepsEverything()) {
            return List.of();
        }
        String name = policy.spec().name();
        Map<String, List<Retention.Item>> byVolume = new LinkedHashMap<>();
        for (PolicyRunInfo run : cluster.history(name)) {
            if (run.artifacts() == null) {
                continue;
            }
            for (RunArtifact a : run.artifacts()) {
                if (!Boolean.TRUE.equals(a.pruned())) {
                    byVolume.computeIfAbsent(a.volume(), v -> new ArrayList<>()).add(new Retention.Item(a.id(), Instant.parse(run.scheduledFor())));
                }
            }
        }
        ZoneId zone = ZoneId.of(policy.spec().timezone());
        List<String> deleted = new ArrayList<>();
        boolean backup = "backup".equals(policy.spec().kind());
        byVolume.forEach((volume, items) -> {
            for (Retention.Item item : Retention.decide(items, rule, zone).forget()) {
                try {
                    if (backup) {
                        cluster.deleteBackup(item.id());
                    } else {
                        cluster.deleteSnapshot(volume, item.id());
                    }
                    deleted.add(item.id());
                } catch (ClusterException e) {
                    LOG.warnf("policy %s: cannot delete expired %s %s of volume %s (retried at the next prune): %s", name,
                            backup ? "backup" : "snapshot", item.id(), volume, e.getMessage());
                }
            }
        });
        if (!deleted.isEmpty()) {
            cluster.markPruned(name, deleted);
            LOG.infof("policy %s: retention deleted %s", name, deleted);
            if (backup) {
                // Deleting a backup drops its manifest only; the chunks no other backup uses are freed by the repository's prune.
                try {
                    cluster.pruneTarget(policy.spec().target());
                } catch (ClusterException e) {
                    LOG.warnf("policy %s: cannot start the prune of target %s (retried after the next deletion): %s", name,
                            policy.spec().target(), e.getMessage());
                }
            }
        }
        return deleted;
    }

    private static int n(Integer v) {
        return v == null ? 0 : v;
    }
}
