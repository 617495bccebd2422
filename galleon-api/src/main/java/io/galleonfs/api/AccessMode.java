package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Kubernetes-style access modes, enforced when volumes are mounted. */
public enum AccessMode {
    READ_WRITE_ONCE("ReadWriteOnce", "RWO"),
    READ_ONLY_MANY("ReadOnlyMany", "ROX"),
    READ_WRITE_MANY("ReadWriteMany", "RWX");

    private final String wire;
    private final String shortName;

    AccessMode(String wire, String shortName) {
        this.wire = wire;
        this.shortName = shortName;
    }

    @JsonValue
    public String wire() {
        return wire;
    }

    public String shortName() {
        return shortName;
    }

    @JsonCreator
    public static AccessMode parse(String text) {
        for (AccessMode m : values()) {
            if (m.wire.equalsIgnoreCase(text) || m.shortName.equalsIgnoreCase(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("invalid access mode '" + text
                + "'; expected one of: ReadWriteOnce (RWO), ReadOnlyMany (ROX), ReadWriteMany (RWX)");
    }
}
