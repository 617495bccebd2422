package io.galleonfs.node.volume;

import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.config.PersistenceLevel;

/**
 * Parses a client's write concern; the node's persistence level decides the default ({@code durable} or
 * {@code acknowledged}). The replication layer ({@code PrimaryVolume}) enforces what each one demands of the replicas.
 */
public final class WriteConcernPolicy {
    private final PersistenceLevel level;

    public WriteConcernPolicy(PersistenceLevel level) {
        this.level = level;
    }

    public WriteConcern parse(String text) {
        if (text == null || text.isBlank()) {
            return level.durableByDefault() ? WriteConcern.DURABLE : WriteConcern.ACKNOWLEDGED;
        }
        WriteConcern c = WriteConcern.fromWire(text);
        if (c == null) {
            throw GalleonException.badRequest("invalid write concern '" + text + "'; expected acknowledged, durable, replicated or distributed");
        }
        return c;
    }
}
