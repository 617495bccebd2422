package io.galleonfs.api;

/** Body of an expand: the new size with K/M/G/T suffix or in bytes. */
public record ExpandRequest(String size) {
}
