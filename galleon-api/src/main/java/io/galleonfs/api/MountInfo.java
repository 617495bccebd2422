package io.galleonfs.api;

import java.util.List;

/** One active mount of a volume. */
public record MountInfo(String id, String path, List<String> options, String node) {
}
