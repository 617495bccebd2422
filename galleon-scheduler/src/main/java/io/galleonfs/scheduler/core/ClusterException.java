package io.galleonfs.scheduler.core;

/** The cluster answered with an error ({@code status} > 0, its problem detail as message) or no node answered (status 0). */
public final class ClusterException extends RuntimeException {
    private final int status;

    public ClusterException(int status, String message) {
        super(message);
        this.status = status;
    }

    public ClusterException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    public int status() {
        return status;
    }
}
