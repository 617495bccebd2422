package io.galleonfs.engine;

import java.nio.ByteBuffer;

/**
 * A block version acknowledged but not yet applied to its layer's data file. Readers of the layer's
 * dirty map see it immediately; the journal thread removes it once applied, unless a newer version
 * replaced it meanwhile (identity comparison).
 *
 * @param stored bytes as they go to disk (ciphertext when encrypted); null for a ZERO version
 */
record PendingBlock(Layer layer, long block, long seq, int crc, byte[] tag, ByteBuffer stored) {
    boolean zero() {
        return stored == null;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
