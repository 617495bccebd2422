package io.galleonfs.api;

/** Firings from {@code from} to {@code to} (ISO instants, {@code count} of them) were too late to start. */
public record MissedRunsRequest(String from, String to, Long count) {
}
