package io.galleonfs.node.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import io.galleonfs.node.meta.VolumeRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeStorageWatcherTest {

    private static VolumeRecord volume(UUID id, String name, List<String> copies) {
        return new VolumeRecord(id, name, VolumeType.PERSISTENT, 1 << 20, 4096, BuiltInStorageClasses.FAST_LOCAL_SSD, copies.size(),
                AccessMode.READ_WRITE_ONCE, false, 1_700_000_000_000L, copies.getFirst(), List.of(), copies);
    }

    /**
     * Storage follows the states the watcher is shown: created for a volume with a copy here that appears, removed when
     * it goes or its copy moves away, left alone for volumes of other nodes; a state with nothing new changes nothing.
     * States copied from the last one seen are compared by the volumes they changed, others in full.
     */
    @Test
    void createsAndRemovesStorageForThisNodesCopiesOnly(@TempDir Path dir) throws Exception {
        try (BlockEngine engine = BlockEngine.open(new EngineConfig(dir.resolve("engine"), 4096, 8L << 20, 16L << 20,
                FileKeyProvider.openOrCreate(dir.resolve("key"))))) {
            MetadataState state = new MetadataState();
            BuiltInStorageClasses.all().forEach(c -> state.apply(new MetaCommand.CreateStorageClass(c)));
            VolumeStorageWatcher watcher = new VolumeStorageWatcher("n1", engine, state);
            try {
                UUID mine = UUID.randomUUID();
                UUID elsewhere = UUID.randomUUID();
                UUID moving = UUID.randomUUID();
                MetadataState next = state.copy();
                next.apply(new MetaCommand.CreateVolume(volume(mine, "mine", List.of("n2", "n1"))));
                next.apply(new MetaCommand.CreateVolume(volume(elsewhere, "elsewhere", List.of("n2", "n3"))));
                next.apply(new MetaCommand.CreateVolume(volume(moving, "moving", List.of("n2", "n1"))));
                watcher.onChange(next);
                watcher.onChange(next);
                await().atMost(Duration.ofSeconds(10)).until(() -> engine.find(mine).isPresent() && engine.find(moving).isPresent());
                assertTrue(engine.find(elsewhere).isEmpty());

                MetadataState after = next.copy();
                after.apply(new MetaCommand.DeleteVolume(mine));
                MetaResult moved = after.apply(new MetaCommand.MoveReplica(moving, after.volume(moving).orElseThrow().epoch(), "n1", "n3"));
                assertInstanceOf(MetaResult.Applied.class, moved, String.valueOf(moved));
                watcher.onChange(after);
                await().atMost(Duration.ofSeconds(10)).until(() -> engine.find(mine).isEmpty() && engine.find(moving).isEmpty());

                // A state that is not a copy of the last one seen (a snapshot installed): compared in full.
                MetadataState restored = MetadataState.restore(after.snapshot());
                UUID late = UUID.randomUUID();
                restored.apply(new MetaCommand.CreateVolume(volume(late, "late", List.of("n1"))));
                restored.apply(new MetaCommand.DeleteVolume(elsewhere));
                watcher.onChange(restored);
                await().atMost(Duration.ofSeconds(10)).until(() -> engine.find(late).isPresent());
                assertTrue(engine.find(mine).isEmpty() && engine.find(moving).isEmpty() && engine.find(elsewhere).isEmpty());
            } finally {
                watcher.close();
            }
        }
    }
}
