package io.galleonfs.api;

/** Answer to {@code daemon stop|restart}: what the daemon is about to do. */
public record DaemonAction(String action, long pid, String detail) {
}
