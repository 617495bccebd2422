package io.galleonfs.node.volume.qos;

import io.galleonfs.api.QosPolicy;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.blockio.VolumeIo;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * QoS of the volumes this node serves as primary: wraps their I/O seam ({@link #wrap}), keeps each volume's slot in
 * step with metadata (its own policy, else its storage class's; {@link #onMetadata}) and runs the node's reservation
 * scheduler. A request is delayed by the longer of its volume's limit delay and its reservation-scheduler delay, and
 * never by more than {@code maxWait}: a request that would have to wait longer passes after {@code maxWait} (counted),
 * because a client that times out is worse than a limit overshot under extreme queue depths (Longhorn #750).
 * <p>
 * The delay is waited on the caller's thread. Every frontend calls the seam on a worker or virtual thread (REST resources
 * and gRPC on Quarkus workers, NBD and forwarded requests on virtual threads, FUSE on its own threads, bench on its
 * pool); should a call ever arrive on an event loop, it is admitted without waiting rather than stalling the loop.
 */
public final class VolumeQos {
    private static final Logger LOG = Logger.getLogger(VolumeQos.class);

    /** Told when a slot appears or goes, so an exporter can register and remove its series. */
    public interface Listener {
        void added(QosSlot slot);

        void removed(QosSlot slot);
    }

    private final ConcurrentHashMap<UUID, QosSlot> slots = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ReservationScheduler scheduler;
    private final LongSupplier clock;
    private final QosWaiter waiter;
    private final BooleanSupplier onEventLoop;
    private final long maxWaitNanos;
    private final AtomicBoolean warnedEventLoop = new AtomicBoolean();
    private volatile BackgroundQos background;
    private static final long BREACH_LOG_INTERVAL_NANOS = 60_000_000_000L;

    /**
     * @param capacityIops the node's IOPS capacity for the reservation scheduler; 0 leaves reservations unenforced
     * @param onEventLoop  whether the calling thread must not block
     */
    public VolumeQos(double capacityIops, Duration maxWait, LongSupplier clock, QosWaiter waiter, BooleanSupplier onEventLoop) {
        this(capacityIops, 0, maxWait, clock, waiter, onEventLoop);
    }

    /** @param capacityMbps the node's throughput capacity (MB/s, 10^6 bytes) for throughput reservations; 0 leaves them unenforced */
    public VolumeQos(double capacityIops, double capacityMbps, Duration maxWait, LongSupplier clock, QosWaiter waiter,
                     BooleanSupplier onEventLoop) {
        this.scheduler = new ReservationScheduler(capacityIops, capacityMbps * 1e6, true);
        this.maxWaitNanos = maxWait.toNanos();
        this.clock = clock;
        this.waiter = waiter;
        this.onEventLoop = onEventLoop;
        this.background = new BackgroundQos(BackgroundQos.DEFAULT_MBPS, BackgroundQos.DEFAULT_IOPS, scheduler, clock, waiter);
    }

    /** The background class (rebuild, scrub, backup reads) with its limits; 0 = no limit. Set once at start. */
    public BackgroundQos background(long mbps, long iops) {
        background = new BackgroundQos(mbps, iops, scheduler, clock, waiter);
        return background;
    }

    public BackgroundQos background() {
        return background;
    }

    /** A node's QoS on the system clock, parking the calling thread. */
    public static VolumeQos system(double capacityIops, double capacityMbps, Duration maxWait, BooleanSupplier onEventLoop) {
        return new VolumeQos(capacityIops, capacityMbps, maxWait, System::nanoTime, QosWaiter.PARK, onEventLoop);
    }

    /** The node's IOPS capacity for reservations (0: not configured, reservations are stored but not enforced). */
    public double capacityIops() {
        return scheduler.capacity();
    }

    /**
     * Changes the capacity online (after a calibration): reservations of the slots are rebuilt for it (a capacity of 0
     * drops them), limits and their burst credit are kept, and the shared rate is recomputed at once.
     */
    public void setCapacityIops(double capacityIops) {
        setCapacity(capacityIops, scheduler.capacityBytes() / 1e6);
    }

    /** The node's throughput capacity for reservations in MB/s (0: unknown, throughput reservations not enforced). */
    public double capacityMbps() {
        return scheduler.capacityBytes() / 1e6;
    }

    /** Both capacities at once (after a calibration); see {@link #setCapacityIops}. */
    public void setCapacity(double capacityIops, double capacityMbps) {
        scheduler.setCapacity(capacityIops, capacityMbps * 1e6);
        long now = clock.getAsLong();
        for (QosSlot s : slots.values()) {
            s.reservation = reservation(s.policy, now);
            s.byteReservation = byteReservation(s.policy, now);
        }
        scheduler.tick(slots.values(), now);
    }

    /** The volume's I/O admitted by QoS. The slot is made here, with the policy metadata holds for the volume. */
    public VolumeIo wrap(VolumeIo io, MetadataState state) {
        return new QosVolumeIo(io, this, slot(io.id(), io.name(), state));
    }

    private QosSlot slot(UUID id, String name, MetadataState state) {
        QosSlot existing = slots.get(id);
        if (existing != null) {
            return existing;
        }
        boolean[] created = {false};
        QosSlot s = slots.computeIfAbsent(id, k -> {
            created[0] = true;
            QosSlot fresh = new QosSlot(k, name);
            state.volume(k).ifPresent(v -> apply(fresh, effective(state, v).orElse(null)));
            return fresh;
        });
        if (created[0]) {
            listeners.forEach(l -> l.added(s));
        }
        return s;
    }

    public Optional<QosSlot> find(UUID id) {
        return Optional.ofNullable(slots.get(id));
    }

    public Collection<QosSlot> slots() {
        return slots.values();
    }

    /** Existing slots are reported at once, later ones as they appear. */
    public void addListener(Listener l) {
        listeners.add(l);
        slots.values().forEach(l::added);
    }

    /** The policy in force for a volume: its own (inline or named), else its storage class's ({@link QosResolution}). */
    public static Optional<QosPolicy> effective(MetadataState state, VolumeRecord v) {
        return QosResolution.effective(state, v);
    }

    /** Applies policy changes and drops slots of deleted volumes (a metadata listener: cheap, never blocks). */
    public void onMetadata(MetadataState state) {
        if (slots.isEmpty()) {
            return;
        }
        boolean changed = false;
        for (QosSlot s : slots.values()) {
            Optional<VolumeRecord> v = state.volume(s.id());
            if (v.isEmpty()) {
                if (slots.remove(s.id(), s)) {
                    listeners.forEach(l -> l.removed(s));
                }
                continue;
            }
            QosPolicy p = effective(state, v.get()).orElse(null);
            if (!Objects.equals(p, s.policy)) {
                apply(s, p);
                LOG.infof("volume %s: QoS %s", s.name(), p == null ? "removed" : "now " + p);
                changed = true;
            }
        }
        if (changed) {
            scheduler.tick(slots.values(), clock.getAsLong());
        }
    }

    /** Swaps the slot's limiter and reservation for those of {@code p}; requests already waiting keep their delay. */
    private void apply(QosSlot s, QosPolicy p) {
        long now = clock.getAsLong();
        s.limiter = p == null ? null : VolumeLimiter.of(p, now);
        s.reservation = reservation(p, now);
        s.byteReservation = byteReservation(p, now);
        Long target = p == null || p.limits() == null ? null : p.limits().latencyMs();
        s.latencyTargetNanos = target == null ? 0 : target * 1_000_000L;
        s.policy = p;
    }

    private TokenBucket reservation(QosPolicy p, long now) {
        Long reserved = p == null || p.guarantees() == null ? null : p.guarantees().iops();
        return reserved == null || !scheduler.enabled() ? null
                : new TokenBucket(reserved, Math.max(1, reserved * RateLimit.CATCH_UP_SECONDS), 0, now);
    }

    private TokenBucket byteReservation(QosPolicy p, long now) {
        Long mbps = p == null || p.guarantees() == null ? null : p.guarantees().throughputMbps();
        if (mbps == null || !scheduler.bytesEnabled()) {
            return null;
        }
        double rate = mbps * 1e6;
        return new TokenBucket(rate, Math.max(1, rate * RateLimit.CATCH_UP_SECONDS), 0, now);
    }

    /** The clock before a request is served, or 0 when its volume has no latency target (then no clock is read). */
    long serviceStart(QosSlot s) {
        return s.latencyTargetNanos == 0 ? 0 : clock.getAsLong();
    }

    /** Counts a served request against the latency target (service time on the primary, after any QoS delay). */
    void serviceEnd(QosSlot s, long start) {
        long target = s.latencyTargetNanos;
        if (start == 0 || target == 0) {
            return;
        }
        s.timedOps.increment();
        if (clock.getAsLong() - start > target) {
            s.slowOps.increment();
        }
    }

    /**
     * Once a second: a second in which more than 1 % of a volume's requests exceeded its latency target (so its p99 was
     * above the target) counts as a breach second; the start of a breach is logged, at most once a minute per volume.
     */
    private void evaluateLatency(long now) {
        for (QosSlot s : slots.values()) {
            long ops = s.timedOps.sum();
            long slow = s.slowOps.sum();
            long dOps = ops - s.evaluatedOps;
            long dSlow = slow - s.evaluatedSlow;
            s.evaluatedOps = ops;
            s.evaluatedSlow = slow;
            boolean breach = s.latencyTargetNanos != 0 && dOps > 0 && dSlow * 100 > dOps;
            if (breach) {
                s.latencyBreachSeconds.increment();
                if (!s.breaching && (s.lastBreachLog == Long.MIN_VALUE || now - s.lastBreachLog >= BREACH_LOG_INTERVAL_NANOS)) {
                    s.lastBreachLog = now;
                    LOG.warnf("volume %s: latency target of %d ms missed: %d of %d requests in the last second took longer",
                            s.name(), s.latencyTargetNanos / 1_000_000, dSlow, dOps);
                }
            }
            s.breaching = breach;
        }
    }

    /** Recomputes the shared budget from the reservations active now; called once a second. */
    public void tick() {
        long now = clock.getAsLong();
        scheduler.tick(slots.values(), now);
        evaluateLatency(now);
    }

    /** Whether some reserving volume is active, so every operation on this node is scheduled. */
    public boolean contended() {
        return scheduler.contended();
    }

    double sharedRate() {
        return scheduler.sharedRate();
    }

    double sharedBytesRate() {
        return scheduler.sharedBytesRate();
    }

    /**
     * Admits one request: returns at once unless the volume has a policy or reservations are contended on this node.
     * Returns whether the request is counted in flight for the reservation scheduler: then the caller must call
     * {@link #done} when it completes, however it ends.
     */
    boolean admit(QosSlot s, long ops, long bytes) {
        VolumeLimiter limiter = s.limiter;
        boolean reserving = s.reservation != null || s.byteReservation != null;
        boolean scheduled = reserving || scheduler.contended();
        if (limiter == null && !scheduled) {
            return false;
        }
        if (reserving) {
            s.inflight.incrementAndGet();
        }
        pause(s, ops, bytes, limiter, scheduled);
        return reserving;
    }

    /** A request {@link #admit} counted in flight has completed. */
    void done(QosSlot s) {
        s.inflight.decrementAndGet();
    }

    private void pause(QosSlot s, long ops, long bytes, VolumeLimiter limiter, boolean scheduled) {
        long now = clock.getAsLong();
        long delay = limiter == null ? 0 : limiter.admit(ops, bytes, now);
        if (scheduled && ops > 0) {
            delay = Math.max(delay, scheduler.admit(s, bytes, now));
        }
        if (delay <= 0) {
            return;
        }
        if (delay > maxWaitNanos) {
            s.overlongWaits.increment();
            delay = maxWaitNanos;
        }
        if (onEventLoop.getAsBoolean()) {
            if (warnedEventLoop.compareAndSet(false, true)) {
                LOG.warnf("volume %s: I/O called on an event loop is admitted without its QoS delay (a frontend must call "
                        + "the I/O seam off the event loop)", s.name());
            }
            return;
        }
        s.throttledOps.increment();
        s.throttledNanos.add(delay);
        waiter.pause(delay);
    }
}
