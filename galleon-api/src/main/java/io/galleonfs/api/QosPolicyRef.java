package io.galleonfs.api;

/** Body of {@code PUT /volumes/{ref}/qos-policy}: the name of the QoS policy the volume is to follow. */
public record QosPolicyRef(String policy) {
}
