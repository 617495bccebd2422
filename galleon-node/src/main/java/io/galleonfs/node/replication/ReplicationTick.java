package io.galleonfs.node.replication;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * What the node's replication ticker runs every sync interval: one status probe per peer holding a copy of a volume this
 * node serves (it reconnects to a restarted peer, which reveals the peer's new incarnation), each replicated primary's
 * link check, replica flush and catch-up on a worker, a scrub of each primary once per {@link #SCRUB_INTERVAL}, and on
 * the Raft leader the failover check. The ticker thread itself only looks and hands out: a link check takes the volume's
 * order lock, which a send to a frozen replica can hold for seconds.
 */
final class ReplicationTick implements Runnable {
    private static final Logger LOG = Logger.getLogger(ReplicationTick.class);
    /** Every primary volume's copies are compared once per interval (and on demand with {@code volume scrub}). */
    static final Duration SCRUB_INTERVAL = Duration.ofHours(24);
    /** How often the tick looks for primaries due a scrub: a day's interval needs no look twice a second. */
    static final Duration SCRUB_CHECK_INTERVAL = Duration.ofSeconds(30);

    /** The other nodes, as the tick needs them. */
    interface Peers {
        boolean up(String nodeId);

        /** In the cluster view (up, or suspect while its heartbeats are late). */
        boolean inView(String nodeId);

        /** Sends a status probe without waiting for its answer. */
        void probe(String nodeId);
    }

    /** What only the Raft leader does, and what the others do instead. */
    interface Failover {
        boolean leading();

        void check();

        void notLeading();
    }

    private final Supplier<Collection<PrimaryVolume>> primaries;
    private final Peers peers;
    private final Failover failover;
    private final Executor workers;
    private final LongSupplier nanoClock;
    private final Map<UUID, Long> lastScrub = new ConcurrentHashMap<>();
    private final Set<UUID> scrubbing = ConcurrentHashMap.newKeySet();
    private final BooleanSupplier closed;
    private long lastScrubCheck;

    ReplicationTick(Supplier<Collection<PrimaryVolume>> primaries, Peers peers, Failover failover, Executor workers,
                    LongSupplier nanoClock, BooleanSupplier closed) {
        this.primaries = primaries;
        this.peers = peers;
        this.failover = failover;
        this.workers = workers;
        this.nanoClock = nanoClock;
        this.closed = closed;
        this.lastScrubCheck = nanoClock.getAsLong() - SCRUB_CHECK_INTERVAL.toNanos();
    }

    @Override
    public void run() {
        if (closed.getAsBoolean()) {
            return;
        }
        try {
            Set<String> holders = new HashSet<>();
            List<PrimaryVolume> replicated = new java.util.ArrayList<>();
            long now = nanoClock.getAsLong();
            boolean scrubCheck = now - lastScrubCheck >= SCRUB_CHECK_INTERVAL.toNanos();
            if (scrubCheck) {
                lastScrubCheck = now;
            }
            Set<UUID> seen = scrubCheck ? new HashSet<>() : null;
            for (PrimaryVolume p : primaries.get()) {
                List<ReplicaLink> links = p.links();
                if (!links.isEmpty()) {
                    links.forEach(l -> holders.add(l.nodeId));
                    replicated.add(p);
                }
                if (scrubCheck) {
                    seen.add(p.id());
                    scrubIfDue(p, now);
                }
            }
            if (scrubCheck) {
                lastScrub.keySet().retainAll(seen); // deleted volumes, volumes served elsewhere now
            }
            for (String peer : holders) {
                if (peers.up(peer)) {
                    peers.probe(peer);
                }
            }
            // Only volumes with copies elsewhere have links to check, flush or sync: with thousands of single-copy
            // volumes a task each per tick was most of an idle node's CPU.
            for (PrimaryVolume p : replicated) {
                workers.execute(() -> {
                    p.checkLinks(peers::inView);
                    p.flushReplicas();
                    p.syncReplicas(peers::up);
                });
            }
            if (failover.leading()) {
                failover.check();
            } else {
                failover.notLeading();
            }
        } catch (Exception e) {
            LOG.debugf("replication tick: %s", e.toString());
        }
    }

    /** A primary seen for the first time is due one interval later (a node start does not scrub everything at once). */
    private void scrubIfDue(PrimaryVolume p, long now) {
        Long last = lastScrub.putIfAbsent(p.id(), now);
        if (last != null && now - last > SCRUB_INTERVAL.toNanos() && scrubbing.add(p.id())) {
            lastScrub.put(p.id(), now);
            workers.execute(() -> scrub(p));
        }
    }

    private void scrub(PrimaryVolume p) {
        try {
            PrimaryVolume.ScrubReport r = p.scrub();
            LOG.infof("volume %s: periodic scrub checked %d blocks, repaired %d", p.name(), r.checkedBlocks(), r.repairedBlocks());
        } catch (IOException | RuntimeException e) {
            LOG.warnf("volume %s: periodic scrub failed: %s", p.name(), e.getMessage());
        } finally {
            scrubbing.remove(p.id());
        }
    }
}
