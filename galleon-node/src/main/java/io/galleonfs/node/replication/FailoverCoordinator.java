package io.galleonfs.node.replication;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Runs on the Raft leader: a volume whose primary node has left the cluster view gets the healthy replica that
 * applied the most operations as its new primary, with the next epoch. Only healthy replicas qualify (a stale one may
 * miss acknowledged writes), and the promotion is a Raft command checked against the epoch it was decided on.
 */
final class FailoverCoordinator {
    private static final Logger LOG = Logger.getLogger(FailoverCoordinator.class);

    private final ReplicationService service;
    private final Set<String> reportedFaulted = new HashSet<>();

    FailoverCoordinator(ReplicationService service) {
        this.service = service;
    }

    void check() {
        Map<String, String> members = service.view().memberStates();
        for (VolumeRecord v : service.view().state().volumes()) {
            if (v.replicaNodes().size() < 2 || "up".equals(members.get(v.node())) || "suspect".equals(members.get(v.node()))) {
                reportedFaulted.remove(v.id() + "");
                continue;
            }
            List<String> candidates = v.replicaNodes().stream().filter(n -> !n.equals(v.node()))
                    .filter(n -> v.replicaState(n).healthy() && "up".equals(members.get(n))).toList();
            if (candidates.isEmpty()) {
                if (reportedFaulted.add(v.id() + "")) {
                    LOG.errorf("volume %s: primary %s is down and no healthy replica is up; the volume is faulted until one returns",
                            v.name(), v.node());
                }
                continue;
            }
            var statuses = service.statuses(v, candidates);
            String best = statuses.entrySet().stream().filter(e -> e.getValue().present())
                    .max(Comparator.comparingLong((Map.Entry<String, DataMessage.Status> e) -> e.getValue().appliedSeq()))
                    .map(Map.Entry::getKey).orElse(null);
            if (best == null) {
                continue;
            }
            try {
                MetaResult r = service.submit(new MetaCommand.PromotePrimary(v.id(), v.epoch(), best));
                if (r instanceof MetaResult.Applied) {
                    service.metrics().failovers.increment();
                    LOG.warnf("volume %s: primary %s is down; promoted %s (applied seq %d) at epoch %d", v.name(), v.node(), best,
                            statuses.get(best).appliedSeq(), v.epoch() + 1);
                }
            } catch (IOException e) {
                LOG.warnf("volume %s: failover not committed: %s", v.name(), e.getMessage());
            }
        }
    }
}
