package io.galleonfs.api;

import java.util.List;

/**
 * Body of a mount: {@code path} on the answering node's host (absolute; omitted = {@code <mount-point>/<volume name>})
 * and {@code options} such as {@code ["rw", "sync"]}, {@code ["ro"]} or {@code ["fs=ext4"]} (entries may also be
 * comma-separated lists).
 */
public record MountRequest(String path, List<String> options) {
}
