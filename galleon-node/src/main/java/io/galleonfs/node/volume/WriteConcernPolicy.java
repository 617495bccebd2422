package io.galleonfs.node.volume;

import io.galleonfs.engine.WriteConcern;
import io.galleonfs.node.config.PersistenceLevel;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.Locale;

/**
 * Maps the seed's four write concerns onto what this node can guarantee. Until replication exists a volume has one
 * copy, so {@code replicated} and {@code distributed} are honoured only when the volume wants exactly one replica
 * (where they equal {@code durable}); for volumes that want more, they are refused rather than silently weakened.
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

    public WriteConcern engineConcern(Requested requested, VolumeRecord volume) {
        return switch (requested) {
            case ACKNOWLEDGED -> WriteConcern.ACKNOWLEDGED;
            case DURABLE -> WriteConcern.DURABLE;
            case REPLICATED, DISTRIBUTED -> {
                if (volume.replicas() > 1) {
                    throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "write concern " + requested.wire()
                            + " needs " + (requested == Requested.REPLICATED ? "at least one" : "every")
                            + " replica of volume '" + volume.name() + "' but only the primary copy exists (replication is not available on this node yet)");
                }
                yield WriteConcern.DURABLE;
            }
        };
    }
}
