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
    /** When each node was first seen down by this leader. */
    private final Map<String, Long> downSince = new java.util.HashMap<>();
    private final Map<String, Long> suspectSince = new java.util.HashMap<>();
    /** How long a primary may stay suspect (no heartbeat for 3 s already) before it is replaced. */
    private static final long SUSPECT_FAILOVER_NANOS = 3_000_000_000L;

    FailoverCoordinator(ReplicationService service) {
        this.service = service;
    }

    void check() {
        Map<String, String> members = service.view().memberStates();
        long now = System.nanoTime();
        members.forEach((id, state) -> {
            if ("down".equals(state)) {
                downSince.putIfAbsent(id, now);
            } else {
                downSince.remove(id);
            }
            if ("suspect".equals(state)) {
                suspectSince.putIfAbsent(id, now);
            } else {
                suspectSince.remove(id);
            }
        });
        // Runs every 500 ms on the leader and walks every volume: the common case (no member down, nothing faulted)
        // costs a few map lookups per volume and allocates nothing.
        if (!downSince.isEmpty()) {
            replaceLongDownReplicas(now);
        }
        for (VolumeRecord v : service.view().state().volumes()) {
            // A primary whose heartbeats stopped (frozen, partitioned) is replaced without waiting for the view to drop
            // it: the epoch fences it if it comes back.
            String primaryState = members.get(v.node());
            Long suspected = suspectSince.isEmpty() ? null : suspectSince.get(v.node());
            boolean gone = primaryState == null || "down".equals(primaryState)
                    || suspected != null && now - suspected > SUSPECT_FAILOVER_NANOS;
            if (v.replicaNodes().size() < 2 || !gone) {
                if (!reportedFaulted.isEmpty()) {
                    reportedFaulted.remove(v.id() + "");
                }
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
            failOver(v, statuses);
        }
    }

    /** Copies on a node that stayed down past the grace period move to other nodes (and are rebuilt there). */
    private void replaceLongDownReplicas(long now) {
        long grace = service.replicaGrace().toNanos();
        for (VolumeRecord v : service.view().state().volumes()) {
            for (String n : v.replicaNodes()) {
                Long since = downSince.get(n);
                if (since == null || now - since < grace || n.equals(v.node())) {
                    continue;
                }
                java.util.Optional<String> target = service.replacementFor(v);
                if (target.isEmpty()) {
                    continue;
                }
                try {
                    if (service.submit(new MetaCommand.MoveReplica(v.id(), v.epoch(), n, target.get())) instanceof MetaResult.Applied) {
                        LOG.warnf("volume %s: node %s has been down longer than %d s; its copy moves to %s", v.name(), n,
                                service.replicaGrace().toSeconds(), target.get());
                    }
                } catch (IOException e) {
                    LOG.warnf("volume %s: re-placement not committed: %s", v.name(), e.getMessage());
                }
                return; // one change per tick: the next tick sees the new state
            }
        }
    }

    private void failOver(VolumeRecord v, Map<String, DataMessage.Status> statuses) {
        String best = statuses.entrySet().stream().filter(e -> e.getValue().present())
                    .max(Comparator.comparingLong((Map.Entry<String, DataMessage.Status> e) -> e.getValue().appliedSeq()))
                    .map(Map.Entry::getKey).orElse(null);
            if (best == null) {
                return;
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
