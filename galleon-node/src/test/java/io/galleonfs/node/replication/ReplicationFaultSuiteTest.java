package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.Volume;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.ReplicaRecord;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.blockio.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deterministic randomized fault suite (issue 19 item 3): seeded schedules of replica crashes and restarts,
 * partitions (of replicas and of the primary, with its metadata majority), stalls, message loss, reordering and
 * duplication, primary failover to a healthy replica at the next epoch (the deposed primary sometimes keeps running,
 * cut off), and metadata outages around a write workload of all four write concerns, trims, flushes and snapshots.
 * Three real engines (one volume per schedule) and real {@link ReplicaApplier}s talk through
 * {@link InMemoryTransport}s on one {@link ManualClock}: request timeouts fire when the driver advances the clock, which
 * it does only when nothing else moves, so a schedule takes milliseconds.
 * <p>
 * After each schedule everything heals and the suite checks: (1) every write acknowledged at its concern is in the
 * final content unless a later write replaced it (a block holds its last acknowledged value or a later unacknowledged
 * one); (2) no primary acknowledged anything once a newer epoch existed (two primaries never both acknowledge); (3)
 * after catching up, every copy holds identical bytes. A failure names the schedule's seed; replay it alone with
 * {@code -Dgalleon.repl.seed=N}; {@code -Dgalleon.repl.schedules=N} sets how many schedules run. The schedule (the
 * sequence of actions and coin flips) replays exactly; thread interleavings inside an action do not.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ReplicationFaultSuiteTest {
    private static final int BS = 4096;
    private static final int BLOCKS = 16;
    private static final long SIZE = (long) BLOCKS * BS;
    private static final List<String> NODES = List.of("n1", "n2", "n3");
    private static final Duration REPLICA_TIMEOUT = Duration.ofSeconds(3);
    /** Real time one action may take before the schedule counts as stuck (a liveness failure). */
    private static final long STUCK_NANOS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    Path dir;

    private final Map<String, BlockEngine> engines = new LinkedHashMap<>();
    private final Map<String, EpochStore> epochStores = new LinkedHashMap<>();

    @BeforeEach
    void openEngines() throws IOException {
        for (String n : NODES) {
            Path root = dir.resolve(n);
            engines.put(n, BlockEngine.open(new EngineConfig(root.resolve("engine"), BS, 8L << 20, 16L << 20,
                    FileKeyProvider.openOrCreate(root.resolve("key")))));
            epochStores.put(n, new EpochStore(root.resolve("epochs")));
        }
    }

    @AfterEach
    void closeEngines() throws IOException {
        for (BlockEngine e : engines.values()) {
            e.close();
        }
    }

    @Test
    void seededFaultSchedulesLoseNoAcknowledgedWriteAndConverge() {
        String replay = System.getProperty("galleon.repl.seed");
        List<Long> seeds = new ArrayList<>();
        if (replay != null && !replay.isBlank()) {
            seeds.add(Long.parseLong(replay.trim()));
        } else {
            int count = Integer.getInteger("galleon.repl.schedules", 1000);
            // A fixed set by default, so CI is repeatable; -Dgalleon.repl.master-seed=N explores another set.
            Random master = new Random(Long.getLong("galleon.repl.master-seed", 2026L));
            for (int i = 0; i < count; i++) {
                seeds.add(master.nextLong());
            }
        }
        runSchedules(seeds);
    }

    /**
     * Schedules that found bugs, replayed on every run: a restarted replica's sequence number 0 taken for "behind" at a
     * takeover, so a delta left a deposed primary's unacknowledged writes on it (-3144795374243351968); a rebuild that
     * reset (emptied) a copy metadata still called healthy, which a failover then promoted (2230939787683161497). The other bugs
     * the suite found have deterministic regressions in {@link ReplicationContract}.
     */
    @Test
    void schedulesThatFoundBugs() {
        runSchedules(List.of(-3144795374243351968L, 2230939787683161497L));
    }

    private void runSchedules(List<Long> seeds) {
        int count = seeds.size();
        long start = System.nanoTime();
        Stats total = new Stats();
        for (long seed : seeds) {
            try (Schedule s = new Schedule(seed)) {
                s.run();
                total.add(s.stats);
            } catch (Throwable t) {
                throw new AssertionError("fault schedule with seed " + seed + " failed (replay: -Dgalleon.repl.seed=" + seed + "): " + t, t);
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("FIGURE repl-fault-schedules: %d schedules, %d actions (%d writes, %d acknowledged, %d failovers, %d crashes,"
                + " %d partitions) in %.1f s%n", count, total.actions, total.writes, total.acked, total.failovers, total.crashes,
                total.partitions, secs);
        assertTrue(total.acked > 0, "the schedules acknowledged writes at all");
    }

    static final class Stats {
        long actions;
        long writes;
        long acked;
        long failovers;
        long crashes;
        long partitions;

        void add(Stats o) {
            actions += o.actions;
            writes += o.writes;
            acked += o.acked;
            failovers += o.failovers;
            crashes += o.crashes;
            partitions += o.partitions;
        }
    }

    /** One node's replica side in a schedule: its applier (replaced at each restart) and incarnation. */
    private final class Member {
        final String id;
        ReplicaApplier applier;
        long incarnation;

        Member(String id, long incarnation, AtomicReference<VolumeRecord> meta) {
            this.id = id;
            this.incarnation = incarnation;
            this.applier = newApplier(meta);
        }

        ReplicaApplier newApplier(AtomicReference<VolumeRecord> meta) {
            return new ReplicaApplier(id, engines.get(id), epochStores.get(id), incarnation, v -> Optional.of(meta.get()));
        }
    }

    /** A primary of some epoch and the node context around it. */
    private record Primary(String node, long epoch, PrimaryVolume volume, TestPrimaryContext ctx, InMemoryTransport transport) {
    }

    private final class Schedule implements AutoCloseable {
        final long seed;
        final Random rnd;
        final UUID id;
        final ManualClock clock = new ManualClock();
        final AtomicReference<VolumeRecord> meta;
        final Map<String, Member> members = new LinkedHashMap<>();
        final List<Primary> primaries = new ArrayList<>();
        /** Every primary's transport, including one whose primary is still starting. */
        final List<InMemoryTransport> transports = new ArrayList<>();
        final Set<String> partitioned = new HashSet<>();
        final Stats stats = new Stats();
        /** Per block: the values it may hold (0 = zeros): the last acknowledged one and any unacknowledged since. */
        final Map<Integer, Set<Long>> allowed = new HashMap<>();
        final AtomicInteger values = new AtomicInteger();
        final List<String> log = new ArrayList<>();
        int snapshots;

        Schedule(long seed) throws IOException {
            this.seed = seed;
            this.rnd = new Random(seed);
            this.id = new UUID(rnd.nextLong(), rnd.nextLong());
            VolumeRecord v = new VolumeRecord(id, "fault-" + Long.toHexString(seed), VolumeType.PERSISTENT, SIZE, BS, "default", 3,
                    AccessMode.READ_WRITE_ONCE, false, 0, "n1", List.of(), NODES);
            meta = new AtomicReference<>(v);
            long incarnation = rnd.nextInt(1000) * 10L;
            for (String n : NODES) {
                engines.get(n).create(id, SIZE, false);
                members.put(n, new Member(n, ++incarnation, meta));
            }
            for (int b = 0; b < BLOCKS; b++) {
                allowed.put(b, new HashSet<>(Set.of(0L)));
            }
            primaries.add(startPrimary("n1", 0));
        }

        Primary current() {
            return primaries.getLast();
        }

        Primary startPrimary(String node, long startSeq) {
            TestPrimaryContext ctx = new TestPrimaryContext(meta);
            InMemoryTransport t = new InMemoryTransport(node, ctx.incarnations::put, clock);
            transports.add(t);
            for (String n : NODES) {
                if (!n.equals(node)) {
                    Member m = members.get(n);
                    t.register(n, new HostPort("127.0.0." + (2 + NODES.indexOf(n)), 7000), m.incarnation, handler(m));
                    if (partitioned.contains(n) || partitioned.contains(node)) {
                        t.faults(n).refuse();
                    }
                }
            }
            ctx.transport = t;
            ctx.addresses = t::address;
            ctx.applier = members.get(node).applier;
            ctx.replicaTimeout = REPLICA_TIMEOUT;
            ctx.catchUpWait = Duration.ZERO;
            ctx.ticker = clock;
            ctx.checkpointBatches = 1;
            for (String n : NODES) {
                if (!partitioned.contains(n)) {
                    ctx.up.add(n);
                }
            }
            ctx.metadataReachable = !partitioned.contains(node);
            members.get(node).applier.setApplied(id, startSeq);
            PrimaryVolume pv = new PrimaryVolume(ctx, engines.get(node).find(id).orElseThrow(), meta.get(), node, startSeq);
            Primary p = new Primary(node, meta.get().epoch(), pv, ctx, t);
            drive("start " + node, () -> {
                pv.start();
                return null;
            });
            return p;
        }

        private DataRequestHandler handler(Member m) {
            ReplicaApplier a = m.applier;
            return (peer, request) -> a.serve(request);
        }

        void run() throws Exception {
            int steps = 15 + rnd.nextInt(30);
            for (int i = 0; i < steps; i++) {
                stats.actions++;
                step();
            }
            healAndCheck();
        }

        // ------------------------------------------------------------------ actions

        private void step() throws Exception {
            int dice = rnd.nextInt(100);
            String node = NODES.get(rnd.nextInt(NODES.size()));
            Primary p = current();
            if (dice < 45) {
                write(p, false);
            } else if (dice < 49) {
                trim(p);
            } else if (dice < 53) {
                log.add("flush");
                drive("flush", () -> {
                    p.volume().flush();
                    return null;
                });
            } else if (dice < 55) {
                String name = "s" + ++snapshots;
                log.add("snapshot " + name);
                drive("snapshot", () -> p.volume().createSnapshot(name));
            } else if (dice < 62) {
                partition(node);
            } else if (dice < 70) {
                heal(node);
            } else if (dice < 74) {
                int k = 1 + rnd.nextInt(3);
                log.add("lose next " + k + " to " + node);
                AtomicInteger left = new AtomicInteger(k);
                everySender(node, f -> f.drop(m -> m instanceof DataMessage.ReplicaOp && left.getAndDecrement() > 0));
            } else if (dice < 77) {
                log.add("stall " + node);
                everySender(node, LinkFaults::stall);
            } else if (dice < 80) {
                log.add("release " + node);
                everySender(node, LinkFaults::release);
            } else if (dice < 83) {
                long s = rnd.nextLong();
                log.add("reorder/duplicate to " + node + " (" + s + ")");
                everySender(node, f -> f.seed(s)
                        .reorder(m -> m instanceof DataMessage.ReplicaWrite w && w.seq() > 0 || m instanceof DataMessage.ReplicaTrim t && t.seq() > 0, 0.3)
                        .duplicate(m -> m instanceof DataMessage.ReplicaOp, 0.3));
            } else if (dice < 87) {
                crash(node);
            } else if (dice < 89) {
                log.add("metadata unreachable from " + p.node());
                p.ctx().metadataReachable = false;
            } else if (dice < 91) {
                log.add("metadata reachable from " + p.node());
                p.ctx().metadataReachable = !partitioned.contains(p.node());
            } else if (dice < 96) {
                log.add("tick " + p.node());
                drive("tick", () -> {
                    tick(p);
                    return null;
                });
            } else if (dice < 98) {
                failover(rnd.nextBoolean());
            } else {
                Primary zombie = primaries.size() > 1 ? primaries.get(rnd.nextInt(primaries.size() - 1)) : p;
                write(zombie, zombie != p);
            }
        }

        private void tick(Primary p) {
            p.volume().checkLinks(p.ctx().up::contains);
            p.volume().syncReplicas(p.ctx().up::contains);
            p.volume().flushReplicas();
        }

        private void write(Primary p, boolean zombie) {
            WriteConcern level = WriteConcern.values()[rnd.nextInt(4)];
            int first = rnd.nextInt(BLOCKS);
            int count = Math.min(BLOCKS - first, 1 + rnd.nextInt(2));
            long value = values.incrementAndGet();
            ByteBuffer data = ByteBuffer.allocate(count * BS);
            for (int b = 0; b < count; b++) {
                data.put(blockBytes(value, first + b));
            }
            data.flip();
            long metaEpoch = meta.get().epoch();
            stats.writes++;
            // Half the writes are acknowledged where the last replica answer arrives (startWrite, the NBD path), half on
            // the writing thread (write): the invariants hold for both. Chosen by the value, not drawn from the schedule's
            // random source, so the seeds pinned below still replay the schedules that found their bugs.
            boolean started = (value & 1) == 1;
            Throwable failed = drive("write", () -> {
                if (started) {
                    try {
                        p.volume().startWrite((long) first * BS, data, level).join();
                    } catch (java.util.concurrent.CompletionException e) {
                        if (e.getCause() instanceof Exception cause) {
                            throw cause;
                        }
                        throw e;
                    }
                } else {
                    p.volume().write((long) first * BS, data, level);
                }
                return null;
            });
            log.add((zombie ? "zombie " : "") + (started ? "started " : "") + "write " + level + " blocks " + first + "+" + count + " = " + value + " on " + p.node()
                    + "@" + p.epoch() + (failed == null ? " ack" : " failed: " + failed.getMessage()));
            for (int b = first; b < first + count; b++) {
                if (failed == null) {
                    allowed.put(b, new HashSet<>(Set.of(value)));
                } else {
                    allowed.get(b).add(value);
                }
            }
            if (failed == null) {
                stats.acked++;
                if (p.epoch() < metaEpoch) {
                    throw new AssertionError("the primary on " + p.node() + " of epoch " + p.epoch() + " acknowledged a write at "
                            + level + " while epoch " + metaEpoch + " existed: two primaries acknowledged\n" + String.join("\n", log));
                }
            }
        }

        private void trim(Primary p) {
            int first = rnd.nextInt(BLOCKS);
            int count = Math.min(BLOCKS - first, 1 + rnd.nextInt(3));
            Throwable failed = drive("trim", () -> {
                p.volume().trim((long) first * BS, (long) count * BS);
                return null;
            });
            log.add("trim " + first + "+" + count + (failed == null ? " ack" : " failed: " + failed.getMessage()));
            for (int b = first; b < first + count; b++) {
                if (failed == null) {
                    allowed.put(b, new HashSet<>(Set.of(0L)));
                } else {
                    allowed.get(b).add(0L);
                }
            }
        }

        /** Cuts {@code node} off: nobody reaches it, it reaches nobody, and (as a primary) not the metadata majority. */
        private void partition(String node) {
            log.add("partition " + node);
            stats.partitions++;
            partitioned.add(node);
            for (Primary p : primaries) {
                if (p.node().equals(node)) {
                    p.ctx().metadataReachable = false;
                    NODES.stream().filter(n -> !n.equals(node)).forEach(n -> p.transport().faults(n).refuse());
                } else {
                    p.transport().faults(node).refuse();
                }
                p.ctx().up.remove(node);
            }
        }

        private void heal(String node) {
            log.add("heal " + node);
            partitioned.remove(node);
            for (Primary p : primaries) {
                if (p.node().equals(node) && p != current()) {
                    // Back in touch with the metadata majority, a deposed primary learns it was deposed.
                    p.volume().fence("metadata names " + current().node() + " the primary");
                }
                if (p.node().equals(node)) {
                    p.ctx().metadataReachable = true;
                    NODES.stream().filter(n -> !n.equals(node) && !partitioned.contains(n)).forEach(n -> {
                        p.transport().faults(n).heal();
                        p.ctx().up.add(n);
                    });
                } else if (!partitioned.contains(p.node())) {
                    p.transport().faults(node).heal();
                }
                if (!partitioned.contains(p.node())) {
                    p.ctx().up.add(node);
                }
            }
        }

        private void everySender(String node, java.util.function.Consumer<LinkFaults> fault) {
            for (Primary p : primaries) {
                if (!p.node().equals(node)) {
                    fault.accept(p.transport().faults(node));
                }
            }
        }

        /** The replica process on {@code node} restarts: a new incarnation, its in-memory replica state gone. */
        private void crash(String node) {
            if (node.equals(current().node())) {
                return;
            }
            awaitQuiet();
            log.add("crash+restart " + node);
            stats.crashes++;
            Member m = members.get(node);
            m.applier.close();
            m.incarnation += 1000;
            m.applier = m.newApplier(meta);
            for (Primary p : primaries) {
                if (!p.node().equals(node)) {
                    p.transport().restart(node, m.incarnation, handler(m));
                }
            }
        }

        /**
         * The failover coordinator's decision: the healthy, reachable replica with the highest applied sequence number
         * becomes primary at the next epoch. The deposed primary either learns it from metadata (fenced) or, cut off,
         * keeps running as a zombie that later writes may reach.
         */
        private void failover(boolean zombie) {
            Primary old = current();
            VolumeRecord v = meta.get();
            String best = null;
            long bestSeq = -1;
            for (String n : v.replicaNodes()) {
                if (n.equals(v.node()) || partitioned.contains(n) || !v.replicaState(n).healthy()) {
                    continue;
                }
                long s = members.get(n).applier.appliedSeq(id);
                if (s > bestSeq) {
                    best = n;
                    bestSeq = s;
                }
            }
            if (best == null) {
                log.add("failover: no healthy reachable replica");
                return;
            }
            awaitQuiet();
            stats.failovers++;
            log.add("failover " + old.node() + "@" + old.epoch() + " -> " + best + " (seq " + bestSeq + ")" + (zombie ? ", old one cut off" : ""));
            if (zombie) {
                partition(old.node());
            } else {
                old.volume().fence("metadata names " + best + " the primary");
            }
            synchronized (meta) {
                meta.set(meta.get().promoted(best));
            }
            primaries.add(startPrimary(best, bestSeq));
        }

        // ------------------------------------------------------------------ checks

        private void healAndCheck() throws IOException {
            for (String n : NODES) {
                heal(n);
            }
            for (Primary p : primaries) {
                NODES.stream().filter(n -> !n.equals(p.node())).forEach(n -> p.transport().faults(n).heal());
                p.ctx().up.addAll(NODES);
                if (p != current()) {
                    p.volume().fence("healed: metadata names " + current().node());
                }
            }
            Primary p = current();
            p.ctx().metadataReachable = true;
            boolean converged = false;
            for (int round = 0; round < 20 && !converged; round++) {
                drive("catch-up", () -> {
                    tick(p);
                    return null;
                });
                converged = p.volume().linkStates().values().stream().allMatch(r -> r.state().equals(ReplicaRecord.HEALTHY));
            }
            if (!converged) {
                throw new AssertionError("the copies did not catch up after healing: " + p.volume().linkStates() + "\n" + String.join("\n", log));
            }
            awaitQuiet();
            byte[] primaryBytes = content(p.node());
            for (int b = 0; b < BLOCKS; b++) {
                long v = valueOf(primaryBytes, b);
                if (!allowed.get(b).contains(v)) {
                    throw new AssertionError("block " + b + " holds value " + v + " on the primary " + p.node() + ", but only " + allowed.get(b)
                            + " are allowed: an acknowledged write was lost\n" + String.join("\n", log));
                }
            }
            for (String n : NODES) {
                if (!n.equals(p.node()) && !java.util.Arrays.equals(primaryBytes, content(n))) {
                    throw new AssertionError("the copy on " + n + " differs from the primary's on " + p.node() + " though both are in sync: "
                            + describeDiff(primaryBytes, content(n)) + "\n" + String.join("\n", log));
                }
            }
        }

        private String describeDiff(byte[] a, byte[] b) {
            StringBuilder sb = new StringBuilder();
            for (int blk = 0; blk < BLOCKS; blk++) {
                long va = valueOf(a, blk);
                long vb = valueOf(b, blk);
                if (va != vb) {
                    sb.append("block ").append(blk).append(": ").append(va).append(" vs ").append(vb).append("; ");
                }
            }
            return sb.toString();
        }

        private byte[] content(String node) throws IOException {
            Volume v = engines.get(node).find(id).orElseThrow();
            ByteBuffer buf = ByteBuffer.allocate((int) SIZE);
            v.read(0, buf);
            return buf.array();
        }

        /** The value a block holds (0: all zeros); a block that is neither zeros nor one whole written value fails. */
        private long valueOf(byte[] content, int block) {
            ByteBuffer b = ByteBuffer.wrap(content, block * BS, BS).slice();
            long v = b.getLong(0);
            if (v == 0) {
                for (int i = 0; i < BS; i++) {
                    if (content[block * BS + i] != 0) {
                        throw new AssertionError("block " + block + " is torn: neither zeros nor a written value\n" + String.join("\n", log));
                    }
                }
                return 0;
            }
            if (!b.equals(blockBytes(v, block))) {
                throw new AssertionError("block " + block + " is torn or misplaced (starts like value " + v + ")\n" + String.join("\n", log));
            }
            return v;
        }

        // ------------------------------------------------------------------ driving

        /**
         * Runs one action on a worker thread and drives the clock: whenever no transport has anything moving, the
         * clock jumps to the next request timeout (a dropped, stalled or held-back request gives up). Returns the
         * action's failure, or null.
         */
        private Throwable drive(String what, Callable<?> action) {
            CompletableFuture<Object> f = new CompletableFuture<>();
            Thread.ofVirtual().name("fault-action").start(() -> {
                try {
                    f.complete(action.call());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
            long deadline = System.nanoTime() + STUCK_NANOS;
            while (!f.isDone()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("action '" + what + "' is stuck (no progress in 30 s of real time)\n" + String.join("\n", log));
                }
                if (allQuiet() && clock.hasTimers()) {
                    clock.advanceToNextTimer();
                } else {
                    LockSupport.parkNanos(50_000);
                }
            }
            try {
                f.join();
                return null;
            } catch (java.util.concurrent.CompletionException e) {
                Throwable c = e.getCause();
                if (c instanceof AssertionError a) {
                    throw a;
                }
                if (!(c instanceof IOException)) {
                    throw new AssertionError("action '" + what + "' failed with an unexpected " + c + "\n" + String.join("\n", log), c);
                }
                return c;
            }
        }

        private boolean allQuiet() {
            for (InMemoryTransport t : transports) {
                if (!t.quiet()) {
                    return false;
                }
            }
            return true;
        }

        private void awaitQuiet() {
            long deadline = System.nanoTime() + STUCK_NANOS;
            while (!allQuiet()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the transports never went quiet\n" + String.join("\n", log));
                }
                LockSupport.parkNanos(50_000);
            }
        }

        @Override
        public void close() throws IOException {
            for (Primary p : primaries) {
                p.volume().fence("schedule over");
                p.transport().close();
            }
            for (Member m : members.values()) {
                m.applier.forget(id);
                m.applier.close();
            }
            for (String n : NODES) {
                if (engines.get(n).find(id).isPresent()) {
                    engines.get(n).delete(id);
                }
            }
        }
    }

    /** One block of a written value: the value, the block number, then a pattern of both. */
    static ByteBuffer blockBytes(long value, int block) {
        ByteBuffer b = ByteBuffer.allocate(BS);
        b.putLong(value).putLong(block);
        while (b.hasRemaining()) {
            b.put((byte) (value * 31 + b.position() * 7 + block));
        }
        return b.flip();
    }
}
