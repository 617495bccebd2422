package io.galleonfs.api;

/** Body carrying one name: snapshot create. */
public record NameRequest(String name) {
}
