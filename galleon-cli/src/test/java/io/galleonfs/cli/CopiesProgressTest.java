package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.ReplicaInfo;
import io.galleonfs.api.VolumeInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class CopiesProgressTest {
    private static VolumeInfo volume(long allocated, ReplicaInfo... replicas) {
        return new VolumeInfo("id", "v", null, 1 << 30, 4096, "fast-local-ssd", replicas.length, null, false, "degraded", null,
                null, allocated, 0, List.of(replicas), List.of(), List.of(), "default", java.util.Map.of());
    }

    @Test
    void thePrimaryCountsAsDoneAndEachOtherCopyByItsState() {
        CopiesProgress p = CopiesProgress.of(volume(1000,
                new ReplicaInfo("n1", "healthy", 100, true),
                new ReplicaInfo("n2", "rebuilding", 40, false),
                new ReplicaInfo("n3", "stale", 0, false)));
        assertEquals(400, p.doneBytes());
        assertEquals(2000, p.totalBytes());
        assertEquals(1, p.healthy());
        assertFalse(p.complete());
    }

    @Test
    void completeWhenEveryCopyIsHealthy() {
        CopiesProgress p = CopiesProgress.of(volume(1000,
                new ReplicaInfo("n1", "healthy", 100, true),
                new ReplicaInfo("n2", "healthy", 100, false)));
        assertEquals(p.totalBytes(), p.doneBytes());
        assertTrue(p.complete());
        assertTrue(CopiesProgress.of(volume(0, new ReplicaInfo("n1", "healthy", 100, true))).complete(), "one copy: nothing to wait for");
    }
}
