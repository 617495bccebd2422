package io.galleonfs.backup;

/** open was called on a target that holds no repository: 4xx. */
public class RepositoryNotFoundException extends BackupException {
    public RepositoryNotFoundException(String message) {
        super(message);
    }

    public RepositoryNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
