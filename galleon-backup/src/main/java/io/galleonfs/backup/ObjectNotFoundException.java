package io.galleonfs.backup;

/** The object store holds no object under the requested key. */
public class ObjectNotFoundException extends BackupException {
    public ObjectNotFoundException(String message) {
        super(message);
    }

    public ObjectNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
