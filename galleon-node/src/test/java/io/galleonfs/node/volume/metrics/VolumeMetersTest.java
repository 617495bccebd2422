package io.galleonfs.node.volume.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class VolumeMetersTest {

    /** Per applied entry the meters of volumes that are gone are dropped (and their exporters told); the others stay. */
    @Test
    void aDeletedVolumesMeterGoesWithItsStateAndTheOthersStay() {
        MetadataState state = new MetadataState();
        BuiltInStorageClasses.all().forEach(c -> state.apply(new MetaCommand.CreateStorageClass(c)));
        VolumeRecord kept = volume("kept");
        VolumeRecord deleted = volume("deleted");
        assertTrue(state.apply(new MetaCommand.CreateVolume(kept)) instanceof MetaResult.Applied);
        assertTrue(state.apply(new MetaCommand.CreateVolume(deleted)) instanceof MetaResult.Applied);
        VolumeMeters meters = new VolumeMeters();
        List<UUID> removed = new ArrayList<>();
        meters.addListener(new VolumeMeters.Listener() {
            @Override
            public void added(VolumeMeter meter) {
            }

            @Override
            public void removed(VolumeMeter meter) {
                removed.add(meter.id());
            }
        });
        meters.meterFor(kept);
        meters.meterFor(deleted);

        meters.onMetadata(state);
        assertEquals(2, meters.all().size());

        MetadataState next = state.copy();
        assertTrue(next.apply(new MetaCommand.DeleteVolume(deleted.id())) instanceof MetaResult.Applied);
        meters.onMetadata(next);
        assertEquals(List.of(deleted.id()), removed);
        assertEquals(List.of(kept.id()), meters.all().stream().map(VolumeMeter::id).toList());
    }

    private static VolumeRecord volume(String name) {
        return new VolumeRecord(UUID.randomUUID(), name, VolumeType.PERSISTENT, 1L << 20, 4096, BuiltInStorageClasses.FAST_LOCAL_SSD, 1,
                AccessMode.READ_WRITE_ONCE, false, 0, "node-1", List.of(), List.of("node-1"), 1, Map.of(), "default");
    }
}
