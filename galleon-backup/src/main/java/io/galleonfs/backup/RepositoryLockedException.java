package io.galleonfs.backup;

/** Another process holds a conflicting lock (prune while backups run, or the reverse): 409, retry later. */
public class RepositoryLockedException extends BackupException {
    public RepositoryLockedException(String message) {
        super(message);
    }

    public RepositoryLockedException(String message, Throwable cause) {
        super(message, cause);
    }
}
