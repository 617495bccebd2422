package io.galleonfs.backup;

/**
 * Progress callback. Called from the operation's thread, often (per chunk); implementations must be cheap and must
 * not throw. {@code bytesTotal} may be 0 when unknown.
 */
@FunctionalInterface
public interface Progress {
    Progress NONE = (phase, done, total) -> { };

    void update(Phase phase, long bytesDone, long bytesTotal);
}
