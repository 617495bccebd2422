package io.galleonfs.backup;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * Key objects {@code keys/recovery} and {@code keys/cluster}: the 32-byte master key AES-256-GCM-wrapped under a key
 * encryption key. Recovery: KEK = scrypt(passphrase, 32-byte salt, N=2^15, r=8, p=1) — 32 MiB and ~0.1 s per try,
 * so guessing is expensive. Cluster: KEK = HMAC-SHA256(clusterKey, salt). Format (big-endian):
 * {@code "GLNKEY01" | kind u8 (1 scrypt, 2 cluster) | salt[32] | logN u8 | r u8 | p u8 | nonce[12] | wrapped[48]}.
 */
final class KeyWrapping {
    static final String RECOVERY = "keys/recovery";
    static final String CLUSTER = "keys/cluster";
    private static final byte[] MAGIC = "GLNKEY01".getBytes(StandardCharsets.US_ASCII);
    private static final int KIND_SCRYPT = 1;
    private static final int KIND_CLUSTER = 2;
    private static final int LOG_N = 15;
    private static final int R = 8;
    private static final int P = 1;

    private KeyWrapping() {
    }

    static byte[] wrapWithPassphrase(byte[] master, char[] passphrase) {
        if (passphrase == null || passphrase.length < 8) {
            throw new InvalidTargetException("the recovery passphrase must have at least 8 characters");
        }
        byte[] salt = RepositoryKeys.randomBytes(32);
        return wrap(KIND_SCRYPT, salt, LOG_N, R, P, scrypt(passphrase, salt, LOG_N, R, P), master);
    }

    static byte[] wrapWithClusterKey(byte[] master, byte[] clusterKey) {
        checkClusterKey(clusterKey);
        byte[] salt = RepositoryKeys.randomBytes(32);
        return wrap(KIND_CLUSTER, salt, 0, 0, 0, clusterKek(clusterKey, salt), master);
    }

    private static void checkClusterKey(byte[] clusterKey) {
        if (clusterKey == null || clusterKey.length < 16) {
            throw new IllegalArgumentException("a cluster key must have at least 16 bytes");
        }
    }

    static byte[] unwrapWithPassphrase(byte[] keyObject, char[] passphrase) {
        Parsed p = parse(keyObject, KIND_SCRYPT);
        if (p.logN < 10 || p.logN > 22 || p.r < 1 || p.r > 32 || p.p < 1 || p.p > 16) {
            throw new RepositoryCorruptedException("recovery key object has implausible scrypt parameters");
        }
        try {
            return unwrap(p, scrypt(passphrase, p.salt, p.logN, p.r, p.p));
        } catch (AEADBadTagException e) {
            throw new WrongPassphraseException("wrong recovery passphrase for this backup repository", e);
        }
    }

    static byte[] unwrapWithClusterKey(byte[] keyObject, byte[] clusterKey) {
        checkClusterKey(clusterKey);
        Parsed p = parse(keyObject, KIND_CLUSTER);
        try {
            return unwrap(p, clusterKek(clusterKey, p.salt));
        } catch (AEADBadTagException e) {
            throw new WrongPassphraseException("this cluster's key does not open this backup repository"
                    + " (use the recovery passphrase)", e);
        }
    }

    private static byte[] scrypt(char[] passphrase, byte[] salt, int logN, int r, int p) {
        ByteBuffer enc = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
        byte[] bytes = new byte[enc.remaining()];
        enc.get(bytes);
        try {
            return SCrypt.generate(bytes, salt, 1 << logN, r, p, 32);
        } finally {
            Arrays.fill(bytes, (byte) 0);
            if (enc.hasArray()) {
                Arrays.fill(enc.array(), (byte) 0);
            }
        }
    }

    private static byte[] clusterKek(byte[] clusterKey, byte[] salt) {
        byte[] material = new byte[clusterKey.length + salt.length];
        System.arraycopy(clusterKey, 0, material, 0, clusterKey.length);
        System.arraycopy(salt, 0, material, clusterKey.length, salt.length);
        return RepositoryKeys.derive(material, "galleon-backup cluster-kek");
    }

    private static byte[] aad(int kind) {
        return ("galleon-backup key kind " + kind).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] wrap(int kind, byte[] salt, int logN, int r, int p, byte[] kek, byte[] master) {
        try {
            byte[] nonce = RepositoryKeys.randomBytes(12);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, nonce));
            c.updateAAD(aad(kind));
            byte[] wrapped = c.doFinal(master);
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bos);
            out.write(MAGIC);
            out.writeByte(kind);
            out.write(salt);
            out.writeByte(logN);
            out.writeByte(r);
            out.writeByte(p);
            out.write(nonce);
            out.writeShort(wrapped.length);
            out.write(wrapped);
            return bos.toByteArray();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("key wrapping failed", e);
        } finally {
            Arrays.fill(kek, (byte) 0);
        }
    }

    private record Parsed(byte[] salt, int logN, int r, int p, byte[] nonce, byte[] wrapped, int kind) {
    }

    private static Parsed parse(byte[] obj, int expectedKind) {
        try {
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(obj));
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new RepositoryCorruptedException("not a GalleonFS backup key object");
            }
            int kind = in.readUnsignedByte();
            if (kind != expectedKind) {
                throw new RepositoryCorruptedException("key object has kind " + kind + ", expected " + expectedKind);
            }
            byte[] salt = new byte[32];
            in.readFully(salt);
            int logN = in.readUnsignedByte();
            int r = in.readUnsignedByte();
            int p = in.readUnsignedByte();
            byte[] nonce = new byte[12];
            in.readFully(nonce);
            int len = in.readUnsignedShort();
            if (len != 48) {
                throw new RepositoryCorruptedException("key object has a wrapped key of " + len + " bytes");
            }
            byte[] wrapped = new byte[len];
            in.readFully(wrapped);
            return new Parsed(salt, logN, r, p, nonce, wrapped, kind);
        } catch (IOException e) {
            throw new RepositoryCorruptedException("truncated key object", e);
        }
    }

    private static byte[] unwrap(Parsed p, byte[] kek) throws AEADBadTagException {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(128, p.nonce));
            c.updateAAD(aad(p.kind));
            return c.doFinal(p.wrapped);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("key unwrapping failed", e);
        } finally {
            Arrays.fill(kek, (byte) 0);
        }
    }
}
