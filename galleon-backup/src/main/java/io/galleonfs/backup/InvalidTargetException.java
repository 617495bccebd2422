package io.galleonfs.backup;

/** The target URL or settings are wrong (bad URL, unknown scheme, missing bucket, relative path): operator input, 4xx. */
public class InvalidTargetException extends BackupException {
    public InvalidTargetException(String message) {
        super(message);
    }

    public InvalidTargetException(String message, Throwable cause) {
        super(message, cause);
    }
}
