package io.galleonfs.backup;

/** The operation stopped because its Cancellation said so; what was written is consistent and reusable. */
public class BackupCancelledException extends BackupException {
    public BackupCancelledException(String message) {
        super(message);
    }

    public BackupCancelledException(String message, Throwable cause) {
        super(message, cause);
    }
}
