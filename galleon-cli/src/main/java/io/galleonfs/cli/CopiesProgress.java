package io.galleonfs.cli;

import io.galleonfs.api.ReplicaInfo;
import io.galleonfs.api.VolumeInfo;

/**
 * How far a volume's copies are from all being healthy, from its API record: the primary's copy counts as done, each
 * other copy by its state (healthy: done; rebuilding: its progress; stale or new: nothing yet). In bytes of allocated
 * data, so {@link ProgressLine} shows the copying rate.
 */
record CopiesProgress(long doneBytes, long totalBytes, int healthy, int copies) {

    static CopiesProgress of(VolumeInfo v) {
        long perCopy = Math.max(v.allocatedBytes(), 1);
        long done = 0;
        long total = 0;
        int healthy = 0;
        int copies = 0;
        for (ReplicaInfo r : v.replicas() == null ? java.util.List.<ReplicaInfo>of() : v.replicas()) {
            copies++;
            if (r.primary() || "healthy".equals(r.state())) {
                healthy++;
            }
            if (r.primary()) {
                continue;
            }
            total += perCopy;
            if ("healthy".equals(r.state())) {
                done += perCopy;
            } else if ("rebuilding".equals(r.state())) {
                done += perCopy * Math.clamp(r.progress(), 0, 100) / 100;
            }
        }
        return new CopiesProgress(done, total, healthy, copies);
    }

    boolean complete() {
        return healthy == copies;
    }
}
