package io.galleonfs.node.replication;

import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.Volume;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.ErrorCode;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * The primaries this node runs, kept to what metadata says: a volume whose record names this node gets a running
 * {@link PrimaryVolume} (started off the caller, after its storage is there and its replicas told how far they are), a
 * new epoch restarts it, and it is fenced when another node takes the volume or the volume is deleted. A node that
 * crashed while primary, or whose copy's storage is missing, hands the volume to a healthy replica instead of serving
 * what may be short of what it acknowledged.
 * <p>
 * {@link #onMetadata}, starts and their catch-up run under this object's monitor; lookups ({@link #primary}) do not
 * take it.
 */
final class PrimaryRegistry {
    private static final Logger LOG = Logger.getLogger(PrimaryRegistry.class);
    /** How long a request for a volume this node has not applied yet waits for its metadata to catch up. */
    private static final Duration CATCH_UP = Duration.ofSeconds(3);
    /** How long a request waits for a primary that is starting (its replicas answer within their timeout). */
    private static final Duration START_WAIT = Duration.ofSeconds(15);

    private final ClusterView view;
    private final BlockEngine engine;
    private final ReplicaApplier applier;
    private final PrimaryContext context;
    private final Executor workers;
    private final Duration storageWait;
    private final Predicate<String> up;
    /** The sequence each primary reached at the last clean stop; null after a crash. */
    private final Map<UUID, Long> savedSeqs;
    private final Map<UUID, PrimaryVolume> primaries = new ConcurrentHashMap<>();
    private final Map<UUID, CompletableFuture<PrimaryVolume>> starting = new ConcurrentHashMap<>();
    /** Volumes this node was primary of when it started: only those may need a hand-off after a crash. */
    private final Set<UUID> primaryAtStart = ConcurrentHashMap.newKeySet();
    /** The state {@link #onMetadata} looked at last: the next one names what changed since (guarded by this). */
    private MetadataState lastSeen;
    private volatile boolean closed;

    /**
     * @param storageWait how long a starting primary waits for its copy's storage (a volume created through another node
     *                    gets it from this node's watcher right after the create is applied)
     * @param up          whether a node is up: only an up replica can take a volume over
     * @param savedSeqs   what the last clean stop recorded ({@link ShutdownMarker}), null when this node crashed
     */
    PrimaryRegistry(ClusterView view, BlockEngine engine, ReplicaApplier applier, PrimaryContext context, Executor workers,
                    Duration storageWait, Predicate<String> up, Map<UUID, Long> savedSeqs) {
        this.view = view;
        this.engine = engine;
        this.applier = applier;
        this.context = context;
        this.workers = workers;
        this.storageWait = storageWait;
        this.up = up;
        this.savedSeqs = savedSeqs;
    }

    /** Notes the volumes this node is primary of now, before the first {@link #onMetadata}: a crash concerns those. */
    void noteStartingPrimaries() {
        view.state().volumes().stream().filter(v -> v.node().equals(view.nodeId())).forEach(v -> primaryAtStart.add(v.id()));
    }

    /** The running primary of a volume on this node, waiting (bounded) while it takes over. */
    PrimaryVolume primary(UUID id) throws IOException {
        PrimaryVolume p = primaries.get(id);
        if (p != null && !p.fenced()) {
            return p;
        }
        CompletableFuture<PrimaryVolume> f = starting.get(id);
        if (f == null) {
            // A peer that forwards a request has applied the volume's creation; this node may be a moment behind.
            VolumeRecord v = view.state().volume(id)
                    .or(() -> view.awaitState(s -> s.volume(id).isPresent(), CATCH_UP).flatMap(s -> s.volume(id)))
                    .orElseThrow(() -> new DataClient.RemoteException(ErrorCode.NOT_FOUND, "volume " + id + " not found"));
            if (!v.node().equals(view.nodeId())) {
                throw notPrimary(v.name(), v.node());
            }
            f = ensurePrimary(v);
        }
        try {
            return f.get(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new DataClient.RemoteException(ErrorCode.UNAVAILABLE, "volume " + id + " is not ready on its primary: " + c);
        }
    }

    /** The primaries running now, fenced ones included until metadata removes them. */
    Collection<PrimaryVolume> running() {
        return List.copyOf(primaries.values());
    }

    /** The running, unfenced primary of {@code id}, if this node has one. */
    Optional<PrimaryVolume> find(UUID id) {
        PrimaryVolume p = primaries.get(id);
        return p == null || p.fenced() ? Optional.empty() : Optional.of(p);
    }

    /**
     * Called after every metadata change (on the node's metadata listener thread, and once at start): must not block.
     * A state applied right after the one seen last is looked at only for the volumes its entry changed (walking every
     * volume per entry was 39 % of a follower's apply work with 5,000 volumes); any other state (the first, a snapshot,
     * states skipped while listeners were behind) is compared in full. A deleted volume's replica state goes with it.
     */
    synchronized void onMetadata(MetadataState state) {
        if (closed) {
            return;
        }
        Optional<Set<UUID>> changed = state.volumesChangedSince(lastSeen);
        lastSeen = state;
        if (changed.isPresent()) {
            boolean anyGone = false;
            for (UUID id : changed.get()) {
                Optional<VolumeRecord> v = state.volume(id);
                if (v.isPresent()) {
                    reconcile(v.get());
                } else {
                    anyGone = true;
                    dropDeleted(id);
                }
            }
            if (anyGone) {
                applier.forgetAllBut(id -> state.volume(id).isPresent());
            }
            return;
        }
        for (VolumeRecord v : state.volumes()) {
            reconcile(v);
        }
        applier.forgetAllBut(id -> state.volume(id).isPresent());
        for (UUID id : primaries.keySet()) {
            if (state.volume(id).isEmpty()) {
                dropDeleted(id);
            }
        }
    }

    /**
     * Stops following metadata, makes what every unfenced primary acknowledged durable, and returns the sequence each
     * reached (for the clean-stop marker, so the next start resumes numbering there).
     */
    Map<UUID, Long> close() {
        closed = true;
        Map<UUID, Long> seqs = new HashMap<>();
        for (PrimaryVolume p : primaries.values()) {
            if (!p.fenced()) {
                try {
                    p.flush();
                } catch (IOException e) {
                    LOG.debugf("final flush of %s: %s", p.name(), e.getMessage());
                }
                seqs.put(p.id(), p.seq());
            }
        }
        return seqs;
    }

    /** Starts, updates or fences this node's primary of {@code v} to match its record. */
    private void reconcile(VolumeRecord v) {
        PrimaryVolume p = primaries.get(v.id());
        if (v.node().equals(view.nodeId())) {
            if (p == null) {
                if (!starting.containsKey(v.id())) {
                    ensurePrimary(v);
                }
            } else if (p.record().epoch() != v.epoch()) {
                p.fence("metadata moved to epoch " + v.epoch());
                primaries.remove(v.id(), p);
                ensurePrimary(v);
            } else {
                VolumeRecord before = p.record();
                p.updateRecord(v);
                if (!before.replicaNodes().equals(v.replicaNodes())) {
                    // Reconciling takes the volume's order lock, which a send to a frozen replica can hold for
                    // seconds: never on the metadata listener thread. It reads the newest record, so order does not matter.
                    workers.execute(p::reconcileLinks);
                }
            }
        } else if (p != null) {
            p.fence("node " + v.node() + " is the primary now (epoch " + v.epoch() + ")");
            primaries.remove(v.id(), p);
        }
    }

    private void dropDeleted(UUID id) {
        PrimaryVolume p = primaries.remove(id);
        if (p != null) {
            p.fence("volume deleted");
            applier.forget(id);
        }
    }

    private synchronized CompletableFuture<PrimaryVolume> ensurePrimary(VolumeRecord v) {
        CompletableFuture<PrimaryVolume> existing = starting.get(v.id());
        if (existing != null) {
            return existing;
        }
        CompletableFuture<PrimaryVolume> f = new CompletableFuture<>();
        starting.put(v.id(), f);
        workers.execute(() -> {
            PrimaryVolume p = null;
            Throwable failure = null;
            try {
                p = start(v);
            } catch (Throwable t) {
                failure = t;
                if (!(t instanceof DataClient.RemoteException r && r.code() == ErrorCode.NOT_PRIMARY)) {
                    LOG.warnf("volume %s: cannot start as primary: %s", v.name(), t.getMessage());
                }
            }
            // Gone from the starts before its outcome is known: a lookup after a fence must never get the fenced one.
            starting.remove(v.id(), f);
            if (failure == null) {
                f.complete(p);
            } else {
                f.completeExceptionally(failure);
            }
            catchUpWithChangesDuringStart(v.id());
        });
        return f;
    }

    /**
     * On a worker: waits for the volume's storage, then runs it as primary; refuses with NOT_PRIMARY when another node
     * serves it now (it took over meanwhile, or this node handed it over), with an IOException when nobody can.
     */
    private PrimaryVolume start(VolumeRecord v) throws Exception {
        Optional<Volume> found = engine.awaitVolume(v.id(), storageWait.toNanos());
        VolumeRecord now = view.state().volume(v.id()).orElse(v);
        if (!now.node().equals(view.nodeId())) {
            // Another node took the volume over during the wait (a failover, a move; its catch-up may even have created
            // this copy meanwhile): this node must not start serving it, the client goes there.
            throw notPrimary(v.name(), now.node());
        }
        if (found.isEmpty()) {
            // Its storage never came (creating it failed) or is gone (a lost disk, an emptied storage path): serving would
            // mean zeros for data its replicas hold, so a healthy replica serves instead.
            if (handOff(now, "its storage is missing on this node")) {
                throw new DataClient.RemoteException(ErrorCode.NOT_PRIMARY,
                        "volume '" + v.name() + "' is moving to another primary: its storage is missing on this node");
            }
            throw new IOException("volume '" + v.name() + "' has no storage on this node, its primary, and no healthy"
                    + " replica is up to take over (see this node's log for why its storage is missing)");
        }
        long startSeq = Math.max(applier.appliedSeq(v.id()), savedSeqs == null ? 0 : savedSeqs.getOrDefault(v.id(), 0L));
        if (savedSeqs == null && primaryAtStart.remove(v.id()) && handOff(v, "this node crashed while primary")) {
            throw new DataClient.RemoteException(ErrorCode.NOT_PRIMARY,
                    "volume '" + v.name() + "' is moving to another primary after this node's crash");
        }
        applier.setApplied(v.id(), startSeq);
        PrimaryVolume p = new PrimaryVolume(context, found.get(), view.state().volume(v.id()).orElse(v), view.nodeId(), startSeq);
        p.start();
        primaries.put(v.id(), p);
        return p;
    }

    /**
     * Metadata changes that landed while the primary took over were skipped by {@link #reconcile} (nothing was running
     * to update yet); the takeover asks its replicas over the network, so a leave's move of a copy can land in that
     * window, and the primary would then serve the old replica set: a link to a node that holds no copy any more and
     * none to the node that should be rebuilt. Reconciles once the primary runs, with the record the listener saw last.
     */
    private synchronized void catchUpWithChangesDuringStart(UUID id) {
        PrimaryVolume p = primaries.get(id);
        if (closed || p == null || p.fenced()) {
            // A fenced start is restarted by the next request or metadata change, not here: a takeover that cannot
            // record its replicas' states (a minority partition) would otherwise be retried in a tight loop.
            return;
        }
        if (view.state().volume(id).isEmpty()) {
            dropDeleted(id);
            return;
        }
        // The state the listener looked at last, not the newest one: changes after it still reach onMetadata in order,
        // and reconciling ahead of the listener could meet an older record afterwards.
        Optional<VolumeRecord> seen = lastSeen == null ? Optional.empty() : lastSeen.volume(id);
        if (seen.isPresent() && seen.get().epoch() >= p.record().epoch()) {
            reconcile(seen.get());
        }
    }

    /**
     * A healthy replica takes over as primary and this copy is rebuilt from it: after a crash (this copy may lack writes
     * it acknowledged without making them durable, while its replicas have them) or when this copy's storage is missing.
     * True when another node is the primary now.
     */
    private boolean handOff(VolumeRecord v, String why) {
        Optional<String> heir = v.replicaNodes().stream().filter(n -> !n.equals(view.nodeId()))
                .filter(n -> v.replicaState(n).healthy() && up.test(n)).findFirst();
        if (heir.isEmpty()) {
            return false;
        }
        try {
            MetaResult r = view.submit(new MetaCommand.PromotePrimary(v.id(), v.epoch(), heir.get()));
            if (r instanceof MetaResult.Applied) {
                LOG.warnf("volume %s: %s; node %s takes over and this copy will be rebuilt", v.name(), why, heir.get());
                return true;
            }
            // Refused because the epoch moved: another node took over while this one was down.
            return !view.state().volume(v.id()).map(VolumeRecord::node).orElse("").equals(view.nodeId());
        } catch (IOException e) {
            LOG.warnf("volume %s: %s, but handing it to another node is not possible (%s); staying primary", v.name(), why, e.getMessage());
        }
        return false;
    }

    private DataClient.RemoteException notPrimary(String volumeName, String primaryNode) {
        return new DataClient.RemoteException(ErrorCode.NOT_PRIMARY, "node " + view.nodeId() + " is not the primary of volume '"
                + volumeName + "' (node " + primaryNode + " is)");
    }
}
