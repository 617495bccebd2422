package io.galleonfs.node.blockio;

import java.util.Locale;

/**
 * The seed's four write concerns, the only form in which the node passes a write's guarantee around (REST, gRPC, NBD,
 * FUSE, forwarding, replication). Each level promises more than the one before it.
 */
public enum WriteConcern {
    /** Returns once readers on the primary see the data (in the primary's memory and journal queue). */
    ACKNOWLEDGED,
    /** Returns once the data is durable on the primary, and on the replicas as the volume's own concern demands. */
    DURABLE,
    /** Returns once the data is durable on the primary and on at least one replica. */
    REPLICATED,
    /** Returns once the data is durable on every copy. */
    DISTRIBUTED;

    /** The lowercase name clients send and see. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The concern named by {@code text} (any case), or {@code null} when it names none. */
    public static WriteConcern fromWire(String text) {
        for (WriteConcern c : values()) {
            if (c.wire().equalsIgnoreCase(text.trim())) {
                return c;
            }
        }
        return null;
    }

    /** What this concern asks of the engine holding the primary's own copy: the one mapping to the engine's two levels. */
    public io.galleonfs.engine.WriteConcern engine() {
        return this == ACKNOWLEDGED ? io.galleonfs.engine.WriteConcern.ACKNOWLEDGED : io.galleonfs.engine.WriteConcern.DURABLE;
    }

    /** True when the acknowledgement waits for replicas to make the data durable, whatever the volume's own concern. */
    public boolean needsDurableReplicas() {
        return this == REPLICATED || this == DISTRIBUTED;
    }
}
