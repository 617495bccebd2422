package io.galleonfs.api;

/** Where one copy of a volume lives and how current it is: state is healthy, stale, rebuilding or failed. */
public record ReplicaInfo(String node, String state, int progress, boolean primary) {
}
