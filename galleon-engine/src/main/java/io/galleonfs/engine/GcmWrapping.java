package io.galleonfs.engine;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.Provider;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The wrapped data key format shared by the file and PKCS#11 providers: version byte 1, 96-bit random nonce, then
 * AES-256-GCM ciphertext and tag of the data key with AAD {@code galleonfs-data-key-v1}.
 */
final class GcmWrapping {
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte FORMAT_VERSION = 1;
    private static final byte[] AAD = "galleonfs-data-key-v1".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private GcmWrapping() {
    }

    /** {@code provider} null: the JDK's default (software) AES. */
    static byte[] wrap(Key master, Provider provider, byte[] dataKey) throws GeneralSecurityException {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        Cipher cipher = cipher(provider);
        cipher.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(AAD);
        byte[] sealed = cipher.doFinal(dataKey);
        byte[] out = new byte[1 + NONCE_BYTES + sealed.length];
        out[0] = FORMAT_VERSION;
        System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
        System.arraycopy(sealed, 0, out, 1 + NONCE_BYTES, sealed.length);
        return out;
    }

    static byte[] unwrap(Key master, Provider provider, byte[] wrapped) throws GeneralSecurityException {
        if (wrapped == null || wrapped.length < 1 + NONCE_BYTES + TAG_BITS / 8 || wrapped[0] != FORMAT_VERSION) {
            throw new GeneralSecurityException("wrapped key has an unknown format");
        }
        Cipher cipher = cipher(provider);
        cipher.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(TAG_BITS, wrapped, 1, NONCE_BYTES));
        cipher.updateAAD(AAD);
        return cipher.doFinal(wrapped, 1 + NONCE_BYTES, wrapped.length - 1 - NONCE_BYTES);
    }

    private static Cipher cipher(Provider provider) throws GeneralSecurityException {
        return provider == null ? Cipher.getInstance("AES/GCM/NoPadding") : Cipher.getInstance("AES/GCM/NoPadding", provider);
    }
}
