package io.galleonfs.backup;

import java.util.List;

/**
 * Outcome of {@link BackupRepository#verify}. {@code quick} checked presence and sizes only; otherwise every chunk
 * was read, decrypted (GCM tag) and re-hashed (keyed id).
 */
public record VerifyResult(String backupId, boolean quick, long chunksChecked, long bytesChecked,
                           List<ChunkProblem> problems) {
    public VerifyResult {
        problems = List.copyOf(problems);
    }

    public boolean ok() {
        return problems.isEmpty();
    }
}
