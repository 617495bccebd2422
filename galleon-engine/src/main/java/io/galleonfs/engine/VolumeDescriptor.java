package io.galleonfs.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Everything volume.meta holds. Immutable: a change builds a new descriptor, persists it atomically and
 * only then becomes the in-memory truth.
 *
 * @param seqReserved every block sequence number ever used by this volume is at most this value, so
 *                    GCM nonces never repeat after a crash
 */
record VolumeDescriptor(UUID id, long sizeBytes, int blockSize, boolean encrypted, String keyProviderId,
                        byte[] wrappedKey, long seqReserved, long nextLayerId, long liveLayerId,
                        List<LayerRecord> layers) {

    VolumeDescriptor {
        layers = List.copyOf(layers);
    }

    LayerRecord layer(long layerId) {
        for (LayerRecord r : layers) {
            if (r.id() == layerId) {
                return r;
            }
        }
        return null;
    }

    VolumeDescriptor withSeqReserved(long value) {
        return new VolumeDescriptor(id, sizeBytes, blockSize, encrypted, keyProviderId, wrappedKey, value,
                nextLayerId, liveLayerId, layers);
    }

    VolumeDescriptor withWrappedKey(String providerId, byte[] wrapped) {
        return new VolumeDescriptor(id, sizeBytes, blockSize, encrypted, providerId, wrapped, seqReserved,
                nextLayerId, liveLayerId, layers);
    }

    VolumeDescriptor withSize(long value) {
        return new VolumeDescriptor(id, value, blockSize, encrypted, keyProviderId,
                wrappedKey, seqReserved, nextLayerId, liveLayerId, layers);
    }

    VolumeDescriptor withLayers(long newNextLayerId, long newLiveLayerId, List<LayerRecord> newLayers) {
        return new VolumeDescriptor(id, sizeBytes, blockSize, encrypted, keyProviderId, wrappedKey, seqReserved,
                newNextLayerId, newLiveLayerId, newLayers);
    }

    /** Replaces the record of {@code layerId} by {@code change} applied to it; null removes it. */
    VolumeDescriptor mapLayer(long layerId, UnaryOperator<LayerRecord> change) {
        List<LayerRecord> out = new ArrayList<>(layers.size());
        for (LayerRecord r : layers) {
            if (r.id() == layerId) {
                LayerRecord changed = change.apply(r);
                if (changed != null) {
                    out.add(changed);
                }
            } else {
                out.add(r);
            }
        }
        return withLayers(nextLayerId, liveLayerId, out);
    }
}
