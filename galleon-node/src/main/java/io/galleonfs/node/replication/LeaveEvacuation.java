package io.galleonfs.node.replication;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Moves every copy on a leaving node elsewhere before it goes: a primary role goes to a healthy replica first (a sole
 * copy first gains a second one, rebuilt from here), then each copy is re-placed, and the leave waits (bounded) until
 * the new copies are healthy.
 */
final class LeaveEvacuation {
    private static final Logger LOG = Logger.getLogger(ReplicationService.class);

    private final ClusterView view;
    private final Predicate<String> up;
    private final Function<VolumeRecord, Optional<String>> replacements;

    LeaveEvacuation(ClusterView view, Predicate<String> up, Function<VolumeRecord, Optional<String>> replacements) {
        this.view = view;
        this.up = up;
        this.replacements = replacements;
    }

    /** Returns the volumes whose copy could not be moved (no eligible node, or not healthy in time). */
    List<String> evacuate(Duration atMost) throws IOException {
        String self = view.nodeId();
        long deadline = System.nanoTime() + atMost.toNanos();
        List<String> stuck = new ArrayList<>();
        for (VolumeRecord v : view.state().volumes()) {
            if (!v.replicaNodes().contains(self)) {
                continue;
            }
            VolumeRecord cur = v;
            if (cur.node().equals(self)) {
                Optional<String> heir = v.replicaNodes().stream().filter(n -> !n.equals(self))
                        .filter(n -> v.replicaState(n).healthy() && up.test(n)).findFirst();
                if (heir.isEmpty() && cur.replicaNodes().size() == 1) {
                    heir = copySoleCopyElsewhere(cur, deadline);
                }
                if (heir.isEmpty()) {
                    stuck.add(cur.name());
                    continue;
                }
                view.submit(new MetaCommand.PromotePrimary(cur.id(), cur.epoch(), heir.get()));
                cur = view.state().volume(v.id()).orElse(cur);
                if (cur.node().equals(self)) {
                    stuck.add(cur.name());
                    continue;
                }
            }
            if (cur.replicaNodes().size() > cur.replicas()) {
                // The copy here is surplus (it was the sole copy and a full one now exists elsewhere): drop, not move.
                if (view.submit(new MetaCommand.DropReplica(cur.id(), cur.epoch(), self)) instanceof MetaResult.Applied) {
                    LOG.infof("volume %s: its only copy moved from this node to %s", cur.name(), cur.node());
                } else {
                    stuck.add(cur.name());
                }
                continue;
            }
            Optional<String> target = replacements.apply(cur);
            if (target.isEmpty() || !(view.submit(new MetaCommand.MoveReplica(cur.id(), cur.epoch(), self, target.get()))
                    instanceof MetaResult.Applied)) {
                stuck.add(cur.name());
                continue;
            }
            String to = target.get();
            if (awaitHealthy(v.id(), to, deadline) || view.state().volume(v.id()).isEmpty()) {
                LOG.infof("volume %s: copy moved from this node to %s", cur.name(), to);
            } else {
                stuck.add(cur.name());
            }
        }
        return stuck;
    }

    /**
     * The primary's copy cannot move while it serves, so a volume with one copy first gains a second one elsewhere,
     * rebuilt from this node; returns that node once its copy is healthy, or empty (no eligible node, or not in time).
     */
    private Optional<String> copySoleCopyElsewhere(VolumeRecord v, long deadline) throws IOException {
        if (System.nanoTime() >= deadline) {
            // --force does not wait: a copy that nobody fills once this node is gone would only hide the loss.
            LOG.warnf("volume %s: its only copy is on this node, which leaves without waiting; the volume stays here", v.name());
            return Optional.empty();
        }
        Optional<String> target = replacements.apply(v);
        if (target.isEmpty()) {
            LOG.warnf("volume %s: its only copy is on this leaving node and no other node may hold it", v.name());
            return Optional.empty();
        }
        MetaResult added = view.submit(new MetaCommand.AddReplica(v.id(), v.epoch(), target.get()));
        if (!(added instanceof MetaResult.Applied)) {
            LOG.warnf("volume %s: cannot add a copy on %s: %s", v.name(), target.get(), added);
            return Optional.empty();
        }
        LOG.infof("volume %s: its only copy is on this leaving node; rebuilding a copy on %s", v.name(), target.get());
        if (!awaitHealthy(v.id(), target.get(), deadline)) {
            LOG.warnf("volume %s: the copy on %s is not healthy in time; it stays (surplus) and keeps rebuilding", v.name(), target.get());
            return Optional.empty();
        }
        return target;
    }

    /** Waits on the metadata (woken by each applied change) until the copy on {@code node} is healthy or the volume is gone. */
    private boolean awaitHealthy(UUID volume, String node, long deadline) {
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        return view.awaitState(s -> s.volume(volume).map(v -> healthyOn(v, node)).orElse(true), left)
                .flatMap(s -> s.volume(volume)).map(v -> healthyOn(v, node)).orElse(false);
    }

    private static boolean healthyOn(VolumeRecord v, String node) {
        return v.replicaNodes().contains(node) && v.replicaState(node).healthy();
    }
}
