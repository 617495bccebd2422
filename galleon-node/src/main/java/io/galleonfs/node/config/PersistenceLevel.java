package io.galleonfs.node.config;

import java.util.Locale;

/**
 * The seed's persistence levels and what each one means on this node. The mapping is documented in README.md:
 * basic acknowledges writes from memory and flushes on the checkpoint interval; enhanced (default) acknowledges from
 * memory but fsyncs the journal within its group-commit window; high and maximum make durable the default write
 * concern for every client write. Replica and zone rules join with replication.
 */
public enum PersistenceLevel {
    BASIC, ENHANCED, HIGH, MAXIMUM;

    public static PersistenceLevel parse(String text) {
        for (PersistenceLevel p : values()) {
            if (p.name().equalsIgnoreCase(text.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("invalid persistence level '" + text + "'; expected basic, enhanced, high or maximum");
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when a client write without an explicit write concern must be fsynced before it is acknowledged. */
    public boolean durableByDefault() {
        return this == HIGH || this == MAXIMUM;
    }
}
