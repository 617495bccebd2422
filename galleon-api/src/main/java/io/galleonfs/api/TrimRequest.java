package io.galleonfs.api;

/** Body of a trim (discard): the byte range whose whole blocks are freed; sizes accept K/M/G/T suffixes. */
public record TrimRequest(String offset, String length) {
}
