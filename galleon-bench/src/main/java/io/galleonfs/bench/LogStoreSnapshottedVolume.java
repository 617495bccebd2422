package io.galleonfs.bench;

import java.io.IOException;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link LogStoreVolume} with a new snapshot before every iteration: each block's first write in an iteration then
 * takes the versions' extra step (its previous entry moves into the newest snapshot's map), the write path's worst
 * case under snapshots.
 */
@State(Scope.Benchmark)
public class LogStoreSnapshottedVolume extends LogStoreVolume {
    private int snapshots;

    @Setup(Level.Iteration)
    public void snapshot() throws IOException {
        store.createSnapshot(volume, "iteration-" + snapshots++);
    }
}
