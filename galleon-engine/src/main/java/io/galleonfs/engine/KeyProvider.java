package io.galleonfs.engine;

import java.security.GeneralSecurityException;

/** Wraps per-volume data keys with a master key that never touches the volume files. */
public interface KeyProvider {
    /** Identifies the master key; stored next to each wrapped key. */
    String id();

    byte[] wrap(byte[] dataKey) throws GeneralSecurityException;

    byte[] unwrap(byte[] wrapped) throws GeneralSecurityException;
}
