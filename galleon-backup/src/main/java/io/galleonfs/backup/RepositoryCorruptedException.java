package io.galleonfs.backup;

/** A repository object (key, index, manifest, pack trailer) fails its format or authentication check. */
public class RepositoryCorruptedException extends BackupException {
    public RepositoryCorruptedException(String message) {
        super(message);
    }

    public RepositoryCorruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
