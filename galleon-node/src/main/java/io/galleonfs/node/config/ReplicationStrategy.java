package io.galleonfs.node.config;

import java.util.Locale;

/** The seed's replication strategies: replicas written before the ack (synchronous) or shipped behind it. */
public enum ReplicationStrategy {
    SYNCHRONOUS, ASYNCHRONOUS;

    public static ReplicationStrategy parse(String text) {
        for (ReplicationStrategy s : values()) {
            if (s.name().equalsIgnoreCase(text.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("invalid replication strategy '" + text + "'; expected synchronous or asynchronous");
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
