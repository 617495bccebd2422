package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.VolumeRecord;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lone write on a healthy 3-copy volume is answered without waiting for any timer (issue 19: a 4 KiB write at queue
 * depth 1 cost ~11x the single node's p99, and the first suspect was something that waits: a batching window, a flush
 * interval, a timeout). Replication's clock and every request timeout of the in-memory transport are on a
 * {@link ManualClock} that this test never advances: a write path that waited for either would not return. Each write
 * concern and a flush must return with the clock where it was and no request left waiting for its timeout.
 */
class LoneWriteNoWaitTest {
    private static final int BS = 4096;
    private static final long SIZE = 64L * BS;
    private static final List<String> NODES = List.of("n1", "n2", "n3");

    @TempDir
    Path dir;

    private final UUID id = UUID.randomUUID();
    private final Map<String, BlockEngine> engines = new LinkedHashMap<>();
    private final Map<String, ReplicaApplier> appliers = new LinkedHashMap<>();
    private final ManualClock clock = new ManualClock();
    private InMemoryTransport transport;
    private PrimaryVolume primary;

    @BeforeEach
    void setUp() throws Exception {
        VolumeRecord v = new VolumeRecord(id, "vol", VolumeType.PERSISTENT, SIZE, BS, "default", 3, AccessMode.READ_WRITE_ONCE,
                false, 0, "n1", List.of(), NODES);
        TestPrimaryContext ctx = new TestPrimaryContext(v);
        transport = new InMemoryTransport("n1", ctx.incarnations::put, clock);
        long incarnation = 10;
        for (String n : NODES) {
            Path root = dir.resolve(n);
            BlockEngine engine = BlockEngine.open(new EngineConfig(root.resolve("engine"), BS, 8L << 20, 16L << 20,
                    FileKeyProvider.openOrCreate(root.resolve("key"))));
            engine.create(id, SIZE, false);
            engines.put(n, engine);
            ReplicaApplier applier = new ReplicaApplier(n, engine, new EpochStore(root.resolve("epochs")), ++incarnation,
                    x -> Optional.of(ctx.record.get()));
            appliers.put(n, applier);
            if (!n.equals("n1")) {
                transport.register(n, new HostPort("127.0.0." + (1 + NODES.indexOf(n)), 7000), incarnation,
                        (peer, request) -> applier.serve(request));
                ctx.up.add(n);
            }
        }
        ctx.transport = transport;
        ctx.addresses = transport::address;
        ctx.applier = appliers.get("n1");
        ctx.replicaTimeout = Duration.ofSeconds(3);
        ctx.ticker = clock;
        primary = new PrimaryVolume(ctx, engines.get("n1").find(id).orElseThrow(), v, "n1", 0);
        assertTimeoutPreemptively(Duration.ofSeconds(20), primary::start, "taking over the replica set waited for a timer");
    }

    @AfterEach
    void tearDown() throws Exception {
        transport.close();
        for (String n : NODES) {
            appliers.get(n).close();
            engines.get(n).close();
        }
    }

    @Test
    void everyConcernAndAFlushReturnWithoutTheClockMoving() throws Exception {
        long start = clock.nanoTime();
        long seq = primary.seq();
        for (WriteConcern level : WriteConcern.values()) {
            byte[] block = new byte[BS];
            Arrays.fill(block, (byte) (level.ordinal() + 1));
            long offset = (long) level.ordinal() * BS;
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> primary.write(offset, ByteBuffer.wrap(block), level),
                    "a lone " + level + " write waited for a timer or a timeout");
            seq++;
            for (String replica : List.of("n2", "n3")) {
                assertEquals(seq, appliers.get(replica).appliedSeq(id), level + " write applied on " + replica + " before the answer");
                ByteBuffer copy = ByteBuffer.allocate(BS);
                engines.get(replica).find(id).orElseThrow().read(offset, copy);
                assertArrayEquals(block, copy.array(), level + " write's bytes on " + replica);
            }
        }
        assertTimeoutPreemptively(Duration.ofSeconds(20), primary::flush, "a flush waited for a timer or a timeout");
        assertEquals(start, clock.nanoTime(), "nothing advanced the clock");
        assertFalse(clock.hasTimers(), "every request was answered: no timeout is still pending");
    }
}
