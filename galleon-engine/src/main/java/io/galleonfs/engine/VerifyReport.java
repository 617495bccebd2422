package io.galleonfs.engine;

import java.util.List;

/** Result of {@link Volume#verify()}: block indices whose stored bytes fail their checksum, ascending. */
public record VerifyReport(long blocksChecked, List<Long> badBlocks) {
    public VerifyReport {
        badBlocks = List.copyOf(badBlocks);
    }

    public boolean healthy() {
        return badBlocks.isEmpty();
    }
}
