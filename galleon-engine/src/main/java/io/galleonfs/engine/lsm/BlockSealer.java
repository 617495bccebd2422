package io.galleonfs.engine.lsm;

import java.nio.ByteBuffer;

/**
 * Encrypts one block on the log writer thread, where the record's sequence number is known: the seq is the nonce, and
 * the log never reuses one, so a nonce never repeats under any key. Returns the sealed payload of
 * {@link LogFormat#SEALED_PREFIX} + block size bytes: the nonce (u64 LE), the 16-byte GCM tag, the ciphertext.
 */
@FunctionalInterface
public interface BlockSealer {
    ByteBuffer seal(long block, long nonce, ByteBuffer plain);
}
