package io.galleonfs.scheduler.core;

import io.galleonfs.api.PolicyInfo;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Retention on its own schedule, for every policy: besides the prune after each successful run, so that expired
 * backups and snapshots go (and the target's repository is pruned) also while a policy's runs fail or it is suspended.
 * Several schedulers sweeping at once do no harm: deleting is idempotent.
 */
public final class RetentionSweep {
    private static final Logger LOG = Logger.getLogger(RetentionSweep.class);
    private final ClusterClient cluster;
    private final Pruner pruner;

    public RetentionSweep(ClusterClient cluster) {
        this.cluster = cluster;
        this.pruner = new Pruner(cluster);
    }

    /** @return how many artifacts were deleted */
    public int sweep() {
        List<PolicyInfo> policies;
        try {
            policies = cluster.listPolicies();
        } catch (ClusterException e) {
            LOG.warnf("retention sweep: cannot list policies: %s", e.getMessage());
            return 0;
        }
        int deleted = 0;
        for (PolicyInfo p : policies) {
            try {
                deleted += pruner.prune(p).size();
            } catch (RuntimeException e) {
                LOG.warnf("retention sweep: policy %s: %s", p.spec().name(), e.getMessage());
            }
        }
        return deleted;
    }
}
