package io.galleonfs.api;

import java.util.List;

/** Artifacts (snapshot names or backup ids) retention deleted. */
public record PrunedRequest(List<String> artifacts) {
}
