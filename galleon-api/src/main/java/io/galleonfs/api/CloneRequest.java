package io.galleonfs.api;

/** Body of a clone: the new volume's name and, optionally, the snapshot to clone (else the live volume). */
public record CloneRequest(String name, String snapshot) {
}
