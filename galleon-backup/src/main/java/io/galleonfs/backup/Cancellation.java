package io.galleonfs.backup;

/** Checked cooperatively between chunks; a cancelled operation throws {@link BackupCancelledException}. */
@FunctionalInterface
public interface Cancellation {
    Cancellation NONE = () -> false;

    boolean isCancelled();

    default void check() {
        if (isCancelled()) {
            throw new BackupCancelledException("cancelled");
        }
    }
}
