package io.galleonfs.engine;

import java.security.GeneralSecurityException;

/** Wraps per-volume data keys with a master key that never touches the volume files. */
public interface KeyProvider {
    /** Identifies the current master key; stored next to each wrapped key. */
    String id();

    byte[] wrap(byte[] dataKey) throws GeneralSecurityException;

    byte[] unwrap(byte[] wrapped) throws GeneralSecurityException;

    /**
     * Wraps with the current master key and names it. Providers that rotate override this so the id and the key used
     * can never straddle a rotation (two calls to {@link #id()} and {@link #wrap} could).
     */
    default WrappedKey wrapCurrent(byte[] dataKey) throws GeneralSecurityException {
        return new WrappedKey(id(), wrap(dataKey));
    }

    /** Unwraps a key wrapped by master key {@code keyId}; providers that hold one key ignore the id. */
    default byte[] unwrap(String keyId, byte[] wrapped) throws GeneralSecurityException {
        return unwrap(wrapped);
    }

    /** A wrapped data key and the id of the master key that wrapped it. */
    record WrappedKey(String keyId, byte[] bytes) {
    }
}
