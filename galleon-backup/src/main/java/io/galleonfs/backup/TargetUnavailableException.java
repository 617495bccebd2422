package io.galleonfs.backup;

/** The target could not be reached or refused an I/O (network error, permission, disk full): 503-style, retryable. */
public class TargetUnavailableException extends BackupException {
    public TargetUnavailableException(String message) {
        super(message);
    }

    public TargetUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
