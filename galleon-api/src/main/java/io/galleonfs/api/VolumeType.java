package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The seed's volume types. Ephemeral volumes are deleted when the daemon stops; shared ones allow several writers. */
public enum VolumeType {
    EPHEMERAL, PERSISTENT, SHARED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static VolumeType parse(String text) {
        for (VolumeType t : values()) {
            if (t.wire().equalsIgnoreCase(text)) {
                return t;
            }
        }
        throw new IllegalArgumentException("invalid volume type '" + text + "'; expected one of: ephemeral, persistent, shared");
    }
}
