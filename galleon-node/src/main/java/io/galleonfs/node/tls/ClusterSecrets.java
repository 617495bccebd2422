package io.galleonfs.node.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.HKDFParameterSpec;

/**
 * Seals the secrets cluster metadata must carry (a backup target's S3 secret key and its repository cluster key) with
 * AES-256-GCM, so the Raft log, its snapshots and anything copied from them hold ciphertext only; a member opens a
 * value where it uses it. The key is derived (HKDF-SHA256) from the cluster CA's private key, which every member of a
 * TLS cluster holds (the founder creates it, every joiner receives it with its certificate): no second key to create,
 * distribute, back up or lose. A cluster without TLS has no CA key and no channel to hand a key over safely, so it
 * keeps these values plain as before; {@link #available()} says which. Plain values (written before sealing, or
 * without a key) are read as they are. Plain Java.
 *
 * <p>Format: {@code gfs-sealed:v1:} + unpadded base64url of nonce (12 bytes) || ciphertext || tag (16 bytes). The
 * caller's context (e.g. {@code backup-target/<name>/cluster_key}) is the associated data, so a sealed value cannot be
 * moved to another field or target unnoticed.
 */
public final class ClusterSecrets {
    public static final String PREFIX = "gfs-sealed:v1:";
    private static final byte[] SALT = "galleonfs cluster secrets".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFO = "aes-256-gcm v1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A sealed value this node cannot open: no key here, or sealed under another CA or for another context, or damaged. */
    public static final class Unopenable extends IllegalStateException {
        Unopenable(String message) {
            super(message);
        }
    }

    private final Path caKeyFile;
    private volatile SecretKey key;

    private ClusterSecrets(Path caKeyFile) {
        this.caKeyFile = caKeyFile;
    }

    /** The secrets of the cluster whose CA key is (or is not) under {@code <storage>/tls/}. */
    public static ClusterSecrets of(Path storage) {
        return new ClusterSecrets(ClusterCa.of(storage).caKey());
    }

    /** For a node without TLS files at all (and tests): nothing is sealed, sealed values cannot be opened. */
    public static ClusterSecrets none() {
        return new ClusterSecrets(null);
    }

    public static boolean sealed(String value) {
        return value != null && value.startsWith(PREFIX);
    }

    /** Whether this node holds the key, i.e. seals new values and opens sealed ones. */
    public boolean available() {
        return key() != null;
    }

    /** {@code plain} sealed for {@code context}; null stays null. */
    public String seal(String context, String plain) {
        if (plain == null) {
            return null;
        }
        SecretKey k = key();
        if (k == null) {
            throw new Unopenable("this node holds no cluster CA key (" + caKeyFile + "), so it cannot seal secrets");
        }
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plain.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(nonce, NONCE + ct.length);
            System.arraycopy(ct, 0, out, NONCE, ct.length);
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JVM", e);
        }
    }

    /** The plain text of {@code value} (which may be plain already); null stays null. */
    public String open(String context, String value) {
        if (!sealed(value)) {
            return value;
        }
        SecretKey k = key();
        if (k == null) {
            throw new Unopenable(context + " is sealed with the cluster secrets key, and this node holds no cluster CA key ("
                    + caKeyFile + ") to derive it: use a member that joined with a join token, or copy ca.key here");
        }
        byte[] in;
        try {
            in = Base64.getUrlDecoder().decode(value.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new Unopenable(context + " is not a well-formed sealed value");
        }
        if (in.length < NONCE + TAG_BITS / 8) {
            throw new Unopenable(context + " is not a well-formed sealed value");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, in, 0, NONCE));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(in, NONCE, in.length - NONCE), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new Unopenable(context + " cannot be opened: it was sealed under another cluster CA or for another value, or is damaged");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JVM", e);
        }
    }

    /** Derived at first use, once the CA key is there (it is written before Quarkus starts, by the founder or at join). */
    private SecretKey key() {
        SecretKey k = key;
        if (k != null || caKeyFile == null || !Files.isRegularFile(caKeyFile)) {
            return k;
        }
        synchronized (this) {
            if (key == null) {
                key = derive(caKeyFile);
            }
            return key;
        }
    }

    /**
     * HKDF-SHA256 over the CA key's private scalar as 32 big-endian bytes: the scalar, not the PKCS#8 encoding, so a
     * member whose copy of the key was re-encoded on the way derives the same key.
     */
    static SecretKey derive(Path caKeyFile) {
        byte[] ikm = null;
        try {
            ECPrivateKey ca = (ECPrivateKey) Pem.readEcKey(caKeyFile);
            ikm = fixed32(ca.getS());
            KDF hkdf = KDF.getInstance("HKDF-SHA256");
            return hkdf.deriveKey("AES", HKDFParameterSpec.ofExtract().addIKM(ikm).addSalt(SALT).thenExpand(INFO, 32));
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalStateException("cannot derive the cluster secrets key from " + caKeyFile + ": " + e.getMessage(), e);
        } finally {
            if (ikm != null) {
                Arrays.fill(ikm, (byte) 0);
            }
        }
    }

    private static byte[] fixed32(BigInteger s) {
        byte[] raw = s.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        return out;
    }
}
