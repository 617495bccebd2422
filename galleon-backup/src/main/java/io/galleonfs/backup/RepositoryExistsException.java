package io.galleonfs.backup;

/** init was called on a target that already holds a repository: 4xx (409). */
public class RepositoryExistsException extends BackupException {
    public RepositoryExistsException(String message) {
        super(message);
    }

    public RepositoryExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
