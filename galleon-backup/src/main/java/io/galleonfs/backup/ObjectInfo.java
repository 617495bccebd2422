package io.galleonfs.backup;

import java.time.Instant;

/** One object listed from an {@link ObjectStore}. */
public record ObjectInfo(String key, long size, Instant lastModified) {
}
