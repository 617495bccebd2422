package io.galleonfs.node.volume;

import io.galleonfs.engine.WriteConcern;
import io.galleonfs.node.config.PersistenceLevel;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.Locale;

/**
 * Parses the seed's four write concerns; the node's persistence level decides the default ({@code durable} or
 * {@code acknowledged}). The replication layer ({@code PrimaryVolume}) enforces what each one demands of the replicas.
 */
public final class WriteConcernPolicy {
    private final PersistenceLevel level;

    public WriteConcernPolicy(PersistenceLevel level) {
        this.level = level;
    }

    public enum Requested { ACKNOWLEDGED, DURABLE, REPLICATED, DISTRIBUTED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Requested parse(String text) {
        if (text == null || text.isBlank()) {
            return level.durableByDefault() ? Requested.DURABLE : Requested.ACKNOWLEDGED;
        }
        for (Requested r : Requested.values()) {
            if (r.wire().equalsIgnoreCase(text.trim())) {
                return r;
            }
        }
        throw GalleonException.badRequest("invalid write concern '" + text + "'; expected acknowledged, durable, replicated or distributed");
    }

    /** The engine-level guarantee on the primary's own copy; what replicas must also hold is up to the replication layer. */
    public WriteConcern engineConcern(Requested requested, VolumeRecord volume) {
        return requested == Requested.ACKNOWLEDGED ? WriteConcern.ACKNOWLEDGED : WriteConcern.DURABLE;
    }
}
