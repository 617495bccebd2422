package io.galleonfs.backup;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The two keys derived from the repository master key: {@code idKey} (HMAC-SHA256 chunk ids, so ids reveal nothing
 * to someone without the key) and {@code encKey} (AES-256-GCM for every stored object). Nonces are 8 random bytes
 * chosen per key-handle plus a 32-bit counter; the random part is re-drawn before the counter wraps, so a handle
 * never repeats a nonce and two handles collide only with probability ~ handles^2 / 2^65.
 */
final class RepositoryKeys {
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    static final int OVERHEAD = NONCE_BYTES + TAG_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec idKey;
    private final SecretKeySpec encKey;
    private final byte[] fingerprint;
    private final ThreadLocal<Mac> macs;
    private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });
    private long noncePrefix;
    private long counter;

    RepositoryKeys(byte[] masterKey) {
        this.idKey = new SecretKeySpec(derive(masterKey, "galleon-backup chunk-id"), "HmacSHA256");
        this.encKey = new SecretKeySpec(derive(masterKey, "galleon-backup encryption"), "AES");
        this.fingerprint = derive(masterKey, "galleon-backup fingerprint");
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(idKey);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        });
        this.noncePrefix = RANDOM.nextLong();
    }

    static byte[] derive(byte[] key, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** Identifies the key without revealing it: equal fingerprints mean equal chunk ids for equal data. */
    byte[] fingerprint() {
        return fingerprint.clone();
    }

    byte[] chunkId(byte[] data, int off, int len) {
        Mac mac = macs.get();
        mac.update(data, off, len);
        return mac.doFinal();
    }

    private synchronized void nextNonce(byte[] out, int pos) {
        if (counter == 0xFFFF_FFFFL) {
            noncePrefix = RANDOM.nextLong();
            counter = 0;
        }
        long c = counter++;
        for (int i = 0; i < 8; i++) {
            out[pos + i] = (byte) (noncePrefix >>> (56 - 8 * i));
        }
        out[pos + 8] = (byte) (c >>> 24);
        out[pos + 9] = (byte) (c >>> 16);
        out[pos + 10] = (byte) (c >>> 8);
        out[pos + 11] = (byte) c;
    }

    /** nonce || ciphertext || tag of {@code plain[off, off+len)}, authenticated together with {@code aad}. */
    byte[] seal(byte[] plain, int off, int len, byte[] aad) {
        byte[] out = new byte[NONCE_BYTES + len + TAG_BYTES];
        nextNonce(out, 0);
        try {
            Cipher c = ciphers.get();
            c.init(Cipher.ENCRYPT_MODE, encKey, new GCMParameterSpec(TAG_BYTES * 8, out, 0, NONCE_BYTES));
            c.updateAAD(aad);
            int n = c.doFinal(plain, off, len, out, NONCE_BYTES);
            if (n != len + TAG_BYTES) {
                throw new IllegalStateException("unexpected GCM output length " + n);
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * The same bytes as {@code seal(prefix || plain[off, off+len), aad)} without building the concatenation: a chunk's
     * codec byte and its payload go into the cipher one after the other, so a 1 MiB chunk costs one allocation (the
     * sealed blob) instead of three.
     */
    byte[] seal(byte prefix, byte[] plain, int off, int len, byte[] aad) {
        byte[] out = new byte[NONCE_BYTES + 1 + len + TAG_BYTES];
        sealInto(prefix, plain, off, len, aad, out);
        return out;
    }

    /**
     * Like {@link #seal(byte, byte[], int, int, byte[])} into {@code out[0, OVERHEAD + 1 + len)}, which the caller
     * re-uses (a backup's pool of blob buffers); returns the sealed length.
     */
    int sealInto(byte prefix, byte[] plain, int off, int len, byte[] aad, byte[] out) {
        int total = NONCE_BYTES + 1 + len + TAG_BYTES;
        if (out.length < total) {
            throw new IllegalArgumentException("a sealed blob of " + total + " bytes does not fit " + out.length);
        }
        nextNonce(out, 0);
        try {
            Cipher c = ciphers.get();
            c.init(Cipher.ENCRYPT_MODE, encKey, new GCMParameterSpec(TAG_BYTES * 8, out, 0, NONCE_BYTES));
            c.updateAAD(aad);
            int n = c.update(new byte[] {prefix}, 0, 1, out, NONCE_BYTES);
            n += c.doFinal(plain, off, len, out, NONCE_BYTES + n);
            if (n != 1 + len + TAG_BYTES) {
                throw new IllegalStateException("unexpected GCM output length " + n);
            }
            return total;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Decrypts and authenticates {@code sealed[off, off+len)} into {@code out} from index 0; returns the plaintext
     * length. {@code out} must hold {@code len - OVERHEAD} bytes. Lets a reader decrypt into a scratch buffer it re-uses.
     */
    int openInto(byte[] sealed, int off, int len, byte[] aad, byte[] out) throws AEADBadTagException {
        if (len < OVERHEAD) {
            throw new AEADBadTagException("sealed object too short: " + len + " bytes");
        }
        try {
            Cipher c = ciphers.get();
            c.init(Cipher.DECRYPT_MODE, encKey, new GCMParameterSpec(TAG_BYTES * 8, sealed, off, NONCE_BYTES));
            c.updateAAD(aad);
            return c.doFinal(sealed, off + NONCE_BYTES, len - NONCE_BYTES, out, 0);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    byte[] seal(byte[] plain, byte[] aad) {
        return seal(plain, 0, plain.length, aad);
    }

    /** Decrypts and authenticates a sealed blob; throws AEADBadTagException if it was altered or the key differs. */
    byte[] open(byte[] sealed, int off, int len, byte[] aad) throws AEADBadTagException {
        if (len < OVERHEAD) {
            throw new AEADBadTagException("sealed object too short: " + len + " bytes");
        }
        byte[] out = new byte[len - OVERHEAD];
        openInto(sealed, off, len, aad, out);
        return out;
    }

    byte[] open(byte[] sealed, byte[] aad) throws AEADBadTagException {
        return open(sealed, 0, sealed.length, aad);
    }

    static boolean sameKey(RepositoryKeys a, RepositoryKeys b) {
        return Arrays.equals(a.fingerprint, b.fingerprint);
    }
}
