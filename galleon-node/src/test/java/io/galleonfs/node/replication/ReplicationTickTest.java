package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One tick of node "a" over real primaries: two with a copy on "b" (unreachable, so their links wait for a rebuild) and
 * one without copies elsewhere. The workers only collect what the tick hands them, and the clock moves when told.
 */
class ReplicationTickTest {
    private static final int BS = 4096;
    private static final long SIZE = 16L * BS;

    @TempDir
    Path dir;

    private BlockEngine engine;
    private ReplicaApplier applier;
    private final List<PrimaryVolume> primaries = new ArrayList<>();
    private final List<Runnable> handedOut = new CopyOnWriteArrayList<>();
    private final List<String> probed = new CopyOnWriteArrayList<>();
    private final Map<String, Boolean> upNodes = new ConcurrentHashMap<>(Map.of("a", true, "b", true));
    private final AtomicLong clock = new AtomicLong(5_000_000_000L);
    private final AtomicBoolean leading = new AtomicBoolean();
    private final AtomicInteger failoverChecks = new AtomicInteger();
    private final AtomicInteger notLeading = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private ReplicationTick tick;

    @BeforeEach
    void setUp() throws IOException {
        engine = BlockEngine.open(new EngineConfig(dir.resolve("engine"), BS, 8L << 20, 16L << 20,
                FileKeyProvider.openOrCreate(dir.resolve("key"))));
        applier = new ReplicaApplier("a", engine, new EpochStore(dir.resolve("epochs")), 1, v -> Optional.empty());
        primaries.add(primary(List.of("a", "b")));
        primaries.add(primary(List.of("a", "b")));
        primaries.add(primary(List.of("a")));
        tick = new ReplicationTick(() -> List.copyOf(primaries), new ReplicationTick.Peers() {
            @Override
            public boolean up(String nodeId) {
                return upNodes.getOrDefault(nodeId, false);
            }

            @Override
            public boolean inView(String nodeId) {
                return up(nodeId);
            }

            @Override
            public void probe(String nodeId) {
                probed.add(nodeId);
            }
        }, new ReplicationTick.Failover() {
            @Override
            public boolean leading() {
                return leading.get();
            }

            @Override
            public void check() {
                failoverChecks.incrementAndGet();
            }

            @Override
            public void notLeading() {
                ReplicationTickTest.this.notLeading.incrementAndGet();
            }
        }, handedOut::add, clock::get, closed::get);
    }

    @AfterEach
    void tearDown() throws Exception {
        applier.close();
        engine.close();
    }

    @Test
    void eachPeerHoldingACopyIsProbedOnceAndOnlyReplicatedPrimariesGetAWorker() {
        tick.run();

        assertEquals(List.of("b"), probed, "one probe per peer, however many of its copies");
        assertEquals(2, handedOut.size(), "the volume without copies elsewhere has nothing to check");
        assertEquals(1, notLeading.get());
        assertEquals(0, failoverChecks.get());
    }

    @Test
    void aPeerThatIsDownIsNotProbedAndOnlyTheLeaderChecksFailover() {
        upNodes.put("b", false);
        leading.set(true);

        tick.run();

        assertEquals(List.of(), probed);
        assertEquals(2, handedOut.size(), "link checks still run: they mark the copy on a down node stale");
        assertEquals(1, failoverChecks.get());
        assertEquals(0, notLeading.get());
    }

    @Test
    void everyPrimaryIsScrubbedOnceAnIntervalAfterItWasFirstSeenAndNeverTwiceAtOnce() {
        tick.run(); // first seen: nothing due
        assertEquals(2, handedOut.size());

        clock.addAndGet(ReplicationTick.SCRUB_INTERVAL.plus(ReplicationTick.SCRUB_CHECK_INTERVAL).toNanos());
        handedOut.clear();
        tick.run();
        assertEquals(2 + 3, handedOut.size(), "the two link checks and a scrub of each of the three primaries");

        clock.addAndGet(ReplicationTick.SCRUB_CHECK_INTERVAL.toNanos());
        handedOut.clear();
        tick.run();
        assertEquals(2, handedOut.size(), "scrubs still running (never started here) are not handed out again");
    }

    @Test
    void aClosedTickDoesNothing() {
        closed.set(true);

        tick.run();

        assertEquals(List.of(), probed);
        assertEquals(List.of(), handedOut);
        assertEquals(0, notLeading.get() + failoverChecks.get());
    }

    private PrimaryVolume primary(List<String> copies) throws IOException {
        UUID id = UUID.randomUUID();
        engine.create(id, SIZE, false);
        VolumeRecord v = new VolumeRecord(id, "v" + primaries.size(), VolumeType.PERSISTENT, SIZE, BS,
                BuiltInStorageClasses.FAST_LOCAL_SSD, copies.size(), AccessMode.READ_WRITE_ONCE, false, 1_700_000_000_000L, "a",
                List.of(), copies);
        TestPrimaryContext context = new TestPrimaryContext(v);
        context.applier = applier;
        context.addresses = node -> null; // a takeover cannot reach b: its copy waits for a rebuild
        PrimaryVolume p = new PrimaryVolume(context, engine.find(id).orElseThrow(), v, "a", 0);
        p.start();
        return p;
    }
}
