package io.galleonfs.node.replication;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Runs on the Raft leader: a volume whose primary node has left the cluster view gets the healthy replica that
 * applied the most operations as its new primary, with the next epoch. Only healthy replicas qualify (a stale one may
 * miss acknowledged writes), and the promotion is a Raft command checked against the epoch it was decided on.
 *
 * <p>A primary that is still in the view but whose heartbeats stopped (frozen, partitioned from the leader) is
 * replaced too, once it has been suspect for {@link #SUSPECT_FAILOVER_NANOS}; but only if it also does not answer a
 * status request on the data plane. Heartbeats ride the group channel, which stalls on a loaded machine and while
 * partitions merge; a primary that answers on the data plane is serving, and replacing it would only cost its clients
 * a failover.
 */
final class FailoverCoordinator implements ReplicationTick.Failover {
    private static final Logger LOG = Logger.getLogger(FailoverCoordinator.class);
    /** How long a primary may stay suspect (no heartbeat for 3 s already) before it is replaced. */
    static final long SUSPECT_FAILOVER_NANOS = 3_000_000_000L;

    /** What failover needs from the replication service; narrow so the decisions are unit-testable. */
    interface Cluster {
        ClusterView view();

        /** Status of {@code v} on each of {@code nodes} that answered on the data plane within its timeout. */
        Map<String, DataMessage.Status> statuses(VolumeRecord v, Iterable<String> nodes);

        MetaResult submit(MetaCommand command) throws IOException;

        Duration replicaGrace();

        Optional<String> replacementFor(VolumeRecord v);

        void countFailover();
    }

    private final Cluster cluster;
    private final LongSupplier nanoTime;
    private final Set<String> reportedFaulted = new HashSet<>();
    /** When each node was first seen down by this leader. */
    private final Map<String, Long> downSince = new HashMap<>();
    private final Map<String, Long> suspectSince = new HashMap<>();
    /** How long a calm cluster goes without a walk over every volume: see {@link #check}. */
    static final long CALM_WALK_NANOS = 10_000_000_000L;
    /** The members of the last walk that found every member up and nothing to do, and when it ran; null otherwise. */
    private Set<String> calmMembers;
    private long calmSince;

    FailoverCoordinator(Cluster cluster, LongSupplier nanoTime) {
        this.cluster = cluster;
        this.nanoTime = nanoTime;
    }

    /** Failover is the Raft leader's work: the tick calls {@link #check} while this node leads. */
    @Override
    public boolean leading() {
        return cluster.view().isLeader();
    }

    /**
     * Called on each tick while this node is not the leader: what it saw down or suspect when it last led is stale, and
     * kept it would make a node that is down or suspect for a moment after this one leads again look so for long.
     */
    @Override
    public void notLeading() {
        if (!downSince.isEmpty() || !suspectSince.isEmpty() || !reportedFaulted.isEmpty()) {
            downSince.clear();
            suspectSince.clear();
            reportedFaulted.clear();
        }
        calmMembers = null;
    }

    @Override
    public void check() {
        Map<String, String> members = cluster.view().memberStates();
        long now = nanoTime.getAsLong();
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
        if (!downSince.isEmpty()) {
            replaceLongDownReplicas(now);
        }
        // Runs every 500 ms on the leader. With every member up, a walk can only find volumes whose primary is not a
        // member at all, and those appear only when the member set changes (a create places its copies on members):
        // while it stays the same and up, and the last walk found nothing to do, the walk runs every 10 s instead (a
        // safety net for a create racing a removal). With 50,000 volumes the walk twice a second was 5 % of the
        // leader's CPU under a stream of creates.
        boolean allUp = !members.containsValue("down") && !members.containsValue("suspect");
        if (allUp && calmMembers != null && calmMembers.equals(members.keySet()) && now - calmSince < CALM_WALK_NANOS) {
            return;
        }
        boolean work = false;
        // Per check, whether each long-suspect primary answered its first probe: one probe per node, not per volume.
        Map<String, Boolean> suspectAnswers = null;
        for (VolumeRecord v : cluster.view().state().volumes()) {
            String primaryState = members.get(v.node());
            Long suspected = suspectSince.isEmpty() ? null : suspectSince.get(v.node());
            boolean down = primaryState == null || "down".equals(primaryState);
            boolean longSuspect = !down && suspected != null && now - suspected > SUSPECT_FAILOVER_NANOS;
            if (v.replicaNodes().size() < 2 || !(down || longSuspect)) {
                if (!reportedFaulted.isEmpty()) {
                    reportedFaulted.remove(v.id() + "");
                }
                continue;
            }
            work = true;
            if (longSuspect) {
                if (suspectAnswers == null) {
                    suspectAnswers = new HashMap<>();
                }
                Boolean answers = suspectAnswers.get(v.node());
                if (answers == null) {
                    answers = cluster.statuses(v, List.of(v.node())).containsKey(v.node());
                    suspectAnswers.put(v.node(), answers);
                    if (answers) {
                        LOG.debugf("node %s sends no heartbeats but answers on the data plane; its volumes keep it as primary", v.node());
                    }
                }
                if (answers) {
                    continue;
                }
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
            failOver(v, cluster.statuses(v, candidates));
        }
        if (allUp && !work) {
            calmMembers = Set.copyOf(members.keySet());
            calmSince = now;
        } else {
            calmMembers = null;
        }
    }

    /** Copies on a node that stayed down past the grace period move to other nodes (and are rebuilt there). */
    private void replaceLongDownReplicas(long now) {
        long grace = cluster.replicaGrace().toNanos();
        for (VolumeRecord v : cluster.view().state().volumes()) {
            for (String n : v.replicaNodes()) {
                Long since = downSince.get(n);
                if (since == null || now - since < grace || n.equals(v.node())) {
                    continue;
                }
                Optional<String> target = cluster.replacementFor(v);
                if (target.isEmpty()) {
                    continue;
                }
                try {
                    if (cluster.submit(new MetaCommand.MoveReplica(v.id(), v.epoch(), n, target.get())) instanceof MetaResult.Applied) {
                        LOG.warnf("volume %s: node %s has been down longer than %d s; its copy moves to %s", v.name(), n,
                                cluster.replicaGrace().toSeconds(), target.get());
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
            MetaResult r = cluster.submit(new MetaCommand.PromotePrimary(v.id(), v.epoch(), best));
            if (r instanceof MetaResult.Applied) {
                cluster.countFailover();
                LOG.warnf("volume %s: primary %s is down; promoted %s (applied seq %d) at epoch %d", v.name(), v.node(), best,
                        statuses.get(best).appliedSeq(), v.epoch() + 1);
            }
        } catch (IOException e) {
            LOG.warnf("volume %s: failover not committed: %s", v.name(), e.getMessage());
        }
    }
}
