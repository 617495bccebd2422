package io.galleonfs.backup;

/** No backup with that id exists in the repository: 4xx (404). */
public class BackupNotFoundException extends BackupException {
    public BackupNotFoundException(String message) {
        super(message);
    }

    public BackupNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
