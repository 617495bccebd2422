package io.galleonfs.engine;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM per block. Nonce = 4 zero bytes + the block's 8-byte sequence number, which the volume
 * never reuses under one data key (sequence ranges are persisted before use). AAD = volume uuid + block
 * index, so a block cannot be moved to another place or volume undetected. The 16-byte tag is kept in
 * the layer metadata, so ciphertext has the block's size and stays block aligned in the data file.
 *
 * <p>Public (and nothing else changed) so the log-structured store's volumes ({@code io.galleonfs.engine.lsm}) seal
 * blocks with exactly this cipher, nonce and AAD layout instead of a copy of it.
 */
public final class VolumeCipher {
    public static final int TAG_BYTES = 16;
    private static final int NONCE_BYTES = 12;
    /**
     * Ciphers shared by all threads, not one per thread: the NBD server runs each request on a new virtual thread, and
     * {@code Cipher.getInstance} per request was a provider lookup and a new cipher object for every block.
     */
    private static final SlotPool<Cipher> CIPHERS = new SlotPool<>(64, () -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM/NoPadding is mandatory in every JDK", e);
        }
    });

    private final SecretKeySpec key;
    private final UUID volume;
    private final byte[] volumeBytes;

    public VolumeCipher(byte[] dataKey, UUID volume) {
        if (dataKey.length != 32) {
            throw new IllegalArgumentException("data key must be 256 bits");
        }
        this.key = new SecretKeySpec(dataKey, "AES");
        this.volume = volume;
        this.volumeBytes = ByteBuffer.allocate(16).putLong(volume.getMostSignificantBits())
                .putLong(volume.getLeastSignificantBits()).array();
    }

    /**
     * Encrypts {@code plain} (exactly one block, consumed) into a new buffer of the same size.
     *
     * @return the ciphertext; its GCM tag is written into {@code tagOut}
     */
    public ByteBuffer encrypt(long block, long seq, ByteBuffer plain, byte[] tagOut) {
        int size = plain.remaining();
        ByteBuffer out = ByteBuffer.allocate(size + TAG_BYTES);
        Cipher c = CIPHERS.take();
        try {
            init(c, Cipher.ENCRYPT_MODE, block, seq);
            c.doFinal(plain, out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        } finally {
            CIPHERS.give(c);
        }
        out.get(size, tagOut, 0, TAG_BYTES);
        return out.position(0).limit(size).slice();
    }

    /** Decrypts one block into {@code plainOut} (advancing it); a bad tag is a checksum mismatch. */
    public void decrypt(long block, long seq, ByteBuffer stored, byte[] tag, ByteBuffer plainOut)
            throws ChecksumMismatchException {
        int size = stored.remaining();
        ByteBuffer in = ByteBuffer.allocate(size + TAG_BYTES);
        in.put(stored.duplicate()).put(tag).flip();
        Cipher c = CIPHERS.take();
        try {
            init(c, Cipher.DECRYPT_MODE, block, seq);
            c.doFinal(in, plainOut);
        } catch (AEADBadTagException e) {
            throw new ChecksumMismatchException(volume, block);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        } finally {
            CIPHERS.give(c);
        }
    }

    private void init(Cipher c, int mode, long block, long seq) throws GeneralSecurityException {
        byte[] nonce = new byte[NONCE_BYTES];
        ByteBuffer.wrap(nonce).putInt(0).putLong(seq);
        c.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
        c.updateAAD(volumeBytes);
        c.updateAAD(ByteBuffer.allocate(8).putLong(block).array());
    }
}
