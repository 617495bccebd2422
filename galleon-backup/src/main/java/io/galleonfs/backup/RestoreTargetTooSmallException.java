package io.galleonfs.backup;

/** The restore sink is smaller than the backed-up volume; nothing was written: 4xx. */
public class RestoreTargetTooSmallException extends BackupException {
    public RestoreTargetTooSmallException(String message) {
        super(message);
    }

    public RestoreTargetTooSmallException(String message, Throwable cause) {
        super(message, cause);
    }
}
