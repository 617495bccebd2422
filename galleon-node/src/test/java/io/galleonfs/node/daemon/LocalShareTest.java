package io.galleonfs.node.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.meta.BuiltInStorageClasses;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LocalShareTest {

    /** Counted from the changes of each copied state, or in full when a state is skipped: always the full count. */
    @Test
    void countsFromTheChangesEqualAFullCount() {
        Random random = new Random(7);
        MetadataState state = new MetadataState();
        BuiltInStorageClasses.all().forEach(c -> state.apply(new MetaCommand.CreateStorageClass(c)));
        List<UUID> ids = new ArrayList<>();
        LocalShare share = LocalShare.of(null, state, "n1");
        MetadataState current = state;
        for (int entry = 0; entry < 300; entry++) {
            MetadataState next = current.copy();
            for (int c = 0; c < 1 + random.nextInt(3); c++) {
                int op = random.nextInt(10);
                if (op < 5 || ids.isEmpty()) {
                    UUID id = UUID.randomUUID();
                    List<String> copies = random.nextBoolean() ? List.of("n1", "n2") : List.of("n2", "n3");
                    next.apply(new MetaCommand.CreateVolume(new VolumeRecord(id, "v" + id, VolumeType.PERSISTENT,
                            (1 + random.nextInt(8)) << 20, 4096, BuiltInStorageClasses.FAST_LOCAL_SSD, copies.size(),
                            AccessMode.READ_WRITE_ONCE, false, 1_700_000_000_000L, copies.getFirst(), List.of(), copies)));
                    ids.add(id);
                } else if (op < 8) {
                    UUID id = ids.get(random.nextInt(ids.size()));
                    next.volume(id).ifPresent(v -> next.apply(new MetaCommand.ResizeVolume(id, v.sizeBytes() * 2)));
                } else {
                    next.apply(new MetaCommand.DeleteVolume(ids.remove(random.nextInt(ids.size()))));
                }
            }
            current = next;
            if (random.nextInt(10) > 0) { // sometimes a state is never asked about: the next one is counted in full
                share = LocalShare.of(share, current, "n1");
                LocalShare full = LocalShare.of(null, current, "n1");
                assertEquals(full.replicas(), share.replicas(), "entry " + entry);
                assertEquals(full.provisionedBytes(), share.provisionedBytes(), "entry " + entry);
            }
        }
    }
}
