package io.galleonfs.backup;

/** A directory target ran out of space; the repository stays consistent and a retry re-uses stored chunks. */
public class TargetFullException extends TargetUnavailableException {
    public TargetFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
