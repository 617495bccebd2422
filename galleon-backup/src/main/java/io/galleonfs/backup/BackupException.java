package io.galleonfs.backup;

/**
 * Base of every error the backup repository reports. Subtypes tell the caller (REST mapper, CLI) whether the
 * operator gave bad input (4xx: {@link InvalidTargetException}, {@link WrongPassphraseException},
 * {@link BackupNotFoundException}, {@link InvalidBackupRequestException}, {@link RestoreTargetTooSmallException}),
 * whether the target failed ({@link TargetUnavailableException}), or whether stored data is damaged
 * ({@link ChunkCorruptedException}, {@link RepositoryCorruptedException}).
 */
public class BackupException extends RuntimeException {
    public BackupException(String message) {
        super(message);
    }

    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }
}
