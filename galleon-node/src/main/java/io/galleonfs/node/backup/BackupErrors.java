package io.galleonfs.node.backup;

import io.galleonfs.backup.BackupException;
import io.galleonfs.backup.BackupNotFoundException;
import io.galleonfs.backup.InvalidBackupRequestException;
import io.galleonfs.backup.InvalidTargetException;
import io.galleonfs.backup.RepositoryExistsException;
import io.galleonfs.backup.RepositoryLockedException;
import io.galleonfs.backup.RepositoryNotFoundException;
import io.galleonfs.backup.RestoreTargetTooSmallException;
import io.galleonfs.backup.TargetUnavailableException;
import io.galleonfs.backup.WrongPassphraseException;
import io.galleonfs.node.volume.GalleonException;

/** Backup repository errors as the API reports them: operator mistakes are 4xx, an unreachable target 503. */
public final class BackupErrors {
    private BackupErrors() {
    }

    public static GalleonException translate(BackupException e) {
        GalleonException.Kind kind = switch (e) {
            case InvalidTargetException x -> GalleonException.Kind.BAD_REQUEST;
            case WrongPassphraseException x -> GalleonException.Kind.BAD_REQUEST;
            case InvalidBackupRequestException x -> GalleonException.Kind.BAD_REQUEST;
            case BackupNotFoundException x -> GalleonException.Kind.NOT_FOUND;
            case RepositoryNotFoundException x -> GalleonException.Kind.NOT_FOUND;
            case RestoreTargetTooSmallException x -> GalleonException.Kind.CONFLICT;
            case RepositoryExistsException x -> GalleonException.Kind.CONFLICT;
            case RepositoryLockedException x -> GalleonException.Kind.CONFLICT;
            case TargetUnavailableException x -> GalleonException.Kind.UNAVAILABLE;
            default -> GalleonException.Kind.STORAGE;
        };
        return new GalleonException(kind, e.getMessage());
    }

    /** One line for a failed job. */
    static String reason(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }
}
