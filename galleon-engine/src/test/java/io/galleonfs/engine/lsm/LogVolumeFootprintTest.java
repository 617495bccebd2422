package io.galleonfs.engine.lsm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idle volume costs little heap: a node holds thousands (issue 20's bar: 10,000 volumes in a 600 MB node). A table
 * of 1,024 block locks per volume once made it ~53 KB each.
 */
class LogVolumeFootprintTest {
    private static final int VOLUMES = 2_000;
    /** Descriptor, cipher-less volume object, its locks and counters, the store's empty per-volume index: well under this. */
    private static final long MAX_BYTES_PER_VOLUME = 8 * 1024;

    @TempDir
    Path tmp;

    @Test
    void anIdleVolumeCostsAFewKilobytesOfHeap() throws Exception {
        try (LogEngine engine = LogEngine.open(tmp.resolve("root"), 4096, null)) {
            engine.create(UUID.randomUUID(), 64L << 20, false); // classes loaded, first-use structures built
            long before = heapAfterGc();
            for (int i = 0; i < VOLUMES; i++) {
                engine.create(UUID.randomUUID(), 64L << 20, false);
            }
            long perVolume = (heapAfterGc() - before) / VOLUMES;
            System.out.printf("log engine: %d bytes of heap per idle volume%n", perVolume);
            assertTrue(perVolume <= MAX_BYTES_PER_VOLUME, perVolume + " bytes of heap per idle volume");
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
