package io.galleonfs.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.EngineConfig;
import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.ReplicaRecord;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The primaries of node "a" against metadata the test changes: a real engine and replica applier, no network (the
 * other copies' node has no address, so a takeover records them stale in the primary's context, not in metadata).
 */
class PrimaryRegistryTest {
    private static final int BS = 4096;
    private static final long SIZE = 64L * BS;

    @TempDir
    Path dir;

    private final ScriptedView view = new ScriptedView("a");
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private BlockEngine engine;
    private ReplicaApplier applier;
    private final UUID id = UUID.randomUUID();

    @BeforeEach
    void setUp() throws IOException {
        engine = BlockEngine.open(new EngineConfig(dir.resolve("engine"), BS, 8L << 20, 16L << 20,
                FileKeyProvider.openOrCreate(dir.resolve("key"))));
        applier = new ReplicaApplier("a", engine, new EpochStore(dir.resolve("epochs")), 1, v -> view.state().volume(v));
        view.members.put("a", "up");
        view.members.put("b", "up");
        BuiltInStorageClasses.all().forEach(sc -> view.submit(new MetaCommand.CreateStorageClass(sc)));
    }

    @AfterEach
    void tearDown() throws Exception {
        workers.shutdownNow();
        applier.close();
        engine.close();
    }

    @Test
    void aVolumeNamingThisNodeGetsARunningPrimaryWhichIsFencedWhenAnotherNodeTakesOver() throws Exception {
        engine.create(id, SIZE, false);
        PrimaryRegistry registry = registry(Map.of());
        view.submit(new MetaCommand.CreateVolume(record(List.of("a", "b"))));
        registry.onMetadata(view.state());

        PrimaryVolume p = registry.primary(id);
        assertFalse(p.fenced());
        assertEquals(Optional.of(p), registry.find(id));

        view.submit(new MetaCommand.PromotePrimary(id, 1, "b"));
        registry.onMetadata(view.state());

        assertTrue(p.fenced(), "the old primary stops acknowledging");
        assertTrue(registry.find(id).isEmpty());
        DataClient.RemoteException e = assertThrows(DataClient.RemoteException.class, () -> registry.primary(id));
        assertEquals(DataMessage.ErrorCode.NOT_PRIMARY, e.code());
        assertTrue(e.getMessage().contains("(node b is)"), e.getMessage());
    }

    @Test
    void aNewEpochOnThisNodeStartsAFreshPrimary() throws Exception {
        engine.create(id, SIZE, false);
        PrimaryRegistry registry = registry(Map.of());
        view.submit(new MetaCommand.CreateVolume(record(List.of("a", "b"))));
        registry.onMetadata(view.state());
        PrimaryVolume first = registry.primary(id);

        view.submit(new MetaCommand.PromotePrimary(id, 1, "b"));
        registry.onMetadata(view.state());
        view.submit(new MetaCommand.SetReplicaState(id, 2, "a", ReplicaRecord.HEALTHY_COPY));
        view.submit(new MetaCommand.PromotePrimary(id, 2, "a"));
        registry.onMetadata(view.state());

        PrimaryVolume second = registry.primary(id);
        assertNotSame(first, second);
        assertEquals(3, second.record().epoch());
        assertTrue(first.fenced());
        assertFalse(second.fenced());
    }

    @Test
    void aDeletedVolumesPrimaryIsFencedAndForgotten() throws Exception {
        engine.create(id, SIZE, false);
        PrimaryRegistry registry = registry(Map.of());
        view.submit(new MetaCommand.CreateVolume(record(List.of("a"))));
        registry.onMetadata(view.state());
        PrimaryVolume p = registry.primary(id);

        view.submit(new MetaCommand.DeleteVolume(id));
        registry.onMetadata(view.state());

        assertTrue(p.fenced());
        assertTrue(registry.running().isEmpty());
        DataClient.RemoteException e = assertThrows(DataClient.RemoteException.class, () -> registry.primary(id));
        assertEquals(DataMessage.ErrorCode.NOT_FOUND, e.code());
    }

    @Test
    void afterACrashThePrimaryHandsTheVolumeToAHealthyReplicaThatIsUp() throws Exception {
        engine.create(id, SIZE, false);
        view.submit(new MetaCommand.CreateVolume(record(List.of("a", "b"))));
        PrimaryRegistry registry = registry(null); // no clean-stop marker: this node crashed
        registry.noteStartingPrimaries();
        registry.onMetadata(view.state());

        // "moving to another primary after this node's crash" while the start answers, "(node b is)" once it is over
        DataClient.RemoteException e = assertThrows(DataClient.RemoteException.class, () -> registry.primary(id));
        assertEquals(DataMessage.ErrorCode.NOT_PRIMARY, e.code(), e.getMessage());
        VolumeRecord now = view.state().volume(id).orElseThrow();
        assertEquals("b", now.node());
        assertEquals(2, now.epoch());
        assertFalse(now.replicaState("a").healthy(), "this copy is rebuilt from b");
    }

    @Test
    void afterACrashWithNoReplicaUpThePrimaryServesAgain() throws Exception {
        engine.create(id, SIZE, false);
        view.members.put("b", "down");
        view.submit(new MetaCommand.CreateVolume(record(List.of("a", "b"))));
        PrimaryRegistry registry = registry(null);
        registry.noteStartingPrimaries();
        registry.onMetadata(view.state());

        assertFalse(registry.primary(id).fenced());
        assertEquals("a", view.state().volume(id).orElseThrow().node());
    }

    @Test
    void afterACleanStopThePrimaryNumbersOnFromItsSavedSequence() throws Exception {
        engine.create(id, SIZE, false);
        view.submit(new MetaCommand.CreateVolume(record(List.of("a", "b"))));
        PrimaryRegistry registry = registry(Map.of(id, 42L));
        registry.noteStartingPrimaries();
        registry.onMetadata(view.state());

        assertEquals(42, registry.primary(id).seq());
        assertEquals("a", view.state().volume(id).orElseThrow().node(), "no hand-off after a clean stop");
    }

    @Test
    void withoutItsStorageAPrimaryHandsOverOrSaysWhyItCannotServe() throws Exception {
        view.members.put("b", "down");
        view.submit(new MetaCommand.CreateVolume(record(List.of("a", "b"))));
        PrimaryRegistry registry = registry(Map.of());
        registry.onMetadata(view.state());

        IOException e = assertThrows(IOException.class, () -> registry.primary(id));
        assertTrue(e.getMessage().contains("has no storage on this node"), e.getMessage());

        view.members.put("b", "up");
        assertThrows(IOException.class, () -> registry.primary(id)); // a request retries the start, which hands over now
        await("b serves the volume").atMost(Duration.ofSeconds(10))
                .until(() -> view.state().volume(id).map(VolumeRecord::node).orElse("").equals("b"));
    }

    @Test
    void closingFlushesTheRunningPrimariesReturnsTheirSequencesAndStopsFollowingMetadata() throws Exception {
        engine.create(id, SIZE, false);
        PrimaryRegistry registry = registry(Map.of(id, 7L));
        view.submit(new MetaCommand.CreateVolume(record(List.of("a"))));
        registry.onMetadata(view.state());
        registry.primary(id);

        assertEquals(Map.of(id, 7L), registry.close());

        UUID later = UUID.randomUUID();
        engine.create(later, SIZE, false);
        view.submit(new MetaCommand.CreateVolume(record(later, List.of("a"))));
        registry.onMetadata(view.state());
        assertTrue(registry.find(later).isEmpty(), "nothing starts after close");
    }

    // ------------------------------------------------------------------ harness

    private PrimaryRegistry registry(Map<UUID, Long> savedSeqs) {
        TestPrimaryContext context = new TestPrimaryContext(view.state().volume(id).orElse(record(List.of("a"))));
        context.applier = applier;
        context.addresses = node -> null;
        context.replicaTimeout = Duration.ofSeconds(1);
        Predicate<String> up = n -> "up".equals(view.members.get(n));
        return new PrimaryRegistry(view, engine, applier, context, workers, Duration.ofMillis(200), up, savedSeqs);
    }

    private VolumeRecord record(List<String> copies) {
        return record(id, copies);
    }

    private static VolumeRecord record(UUID volume, List<String> copies) {
        return new VolumeRecord(volume, "v-" + volume.toString().substring(0, 8), VolumeType.PERSISTENT, SIZE, BS,
                BuiltInStorageClasses.FAST_LOCAL_SSD, copies.size(), AccessMode.READ_WRITE_ONCE, false, 1_700_000_000_000L, copies.getFirst(),
                List.of(), copies);
    }

    /** Metadata the test changes by commands, checked as the Raft state machine checks them. */
    private static final class ScriptedView implements ClusterView {
        final Map<String, String> members = new ConcurrentHashMap<>();
        private final String nodeId;
        private volatile MetadataState state = new MetadataState();

        ScriptedView(String nodeId) {
            this.nodeId = nodeId;
        }

        @Override
        public String nodeId() {
            return nodeId;
        }

        @Override
        public MetadataState state() {
            return state;
        }

        @Override
        public synchronized MetaResult submit(MetaCommand command) {
            MetadataState next = state.copy();
            MetaResult r = next.apply(command);
            assertInstanceOf(MetaResult.Applied.class, r, command + ": " + r);
            state = next;
            return r;
        }

        @Override
        public boolean isLeader() {
            return false;
        }

        @Override
        public Map<String, String> memberStates() {
            return members;
        }

        @Override
        public Optional<MetadataState> awaitState(Predicate<MetadataState> condition, Duration max) {
            return condition.test(state) ? Optional.of(state) : Optional.empty();
        }
    }
}
