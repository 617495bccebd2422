package io.galleonfs.backup;

/** A backup request contradicts the repository (incremental without parent, block size differs from parent): 4xx. */
public class InvalidBackupRequestException extends BackupException {
    public InvalidBackupRequestException(String message) {
        super(message);
    }

    public InvalidBackupRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
