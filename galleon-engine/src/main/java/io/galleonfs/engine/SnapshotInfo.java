package io.galleonfs.engine;

/** A visible snapshot: the frozen layer it names and the bytes that layer itself stores. */
public record SnapshotInfo(String name, long createdAtMillis, long layerId, long allocatedBytes) {
}
