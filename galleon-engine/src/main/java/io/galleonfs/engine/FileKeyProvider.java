package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Master key kept in a local file (32 random bytes, mode 0600). Data keys are wrapped with
 * AES-256-GCM; a random 96-bit nonce is safe here because wrapping happens once per volume.
 */
public final class FileKeyProvider implements KeyProvider {
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte FORMAT_VERSION = 1;
    private static final byte[] AAD = "galleonfs-data-key-v1".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec masterKey;
    private final String id;

    private FileKeyProvider(byte[] key) {
        this.masterKey = new SecretKeySpec(key, "AES");
        this.id = "file:" + fingerprint(key);
        Arrays.fill(key, (byte) 0);
    }

    /** Reads the key file, or creates it with a fresh random key if it does not exist. */
    public static FileKeyProvider openOrCreate(Path keyFile) throws IOException {
        Path absolute = keyFile.toAbsolutePath();
        if (!Files.exists(absolute)) {
            create(absolute);
        }
        byte[] key = Files.readAllBytes(absolute);
        if (key.length != KEY_BYTES) {
            throw new EngineException("master key file " + absolute + " must hold exactly " + KEY_BYTES
                    + " bytes, found " + key.length);
        }
        return new FileKeyProvider(key);
    }

    private static void create(Path keyFile) throws IOException {
        Path dir = keyFile.getParent();
        Files.createDirectories(dir);
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        Path tmp = dir.resolve(keyFile.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong()) + ".tmp");
        // The file is born 0600, complete and fsynced under a temporary name; a hard link then publishes
        // it without ever replacing a key another process may have created concurrently.
        try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer buf = ByteBuffer.wrap(key);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
        try {
            Files.createLink(keyFile, tmp);
        } catch (FileAlreadyExistsException lostRace) {
            // Another process created the key first; its key is the one to use.
        } finally {
            Files.deleteIfExists(tmp);
        }
        AtomicFiles.fsyncDirectory(dir);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public byte[] wrap(byte[] dataKey) throws GeneralSecurityException {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, masterKey, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(AAD);
        byte[] sealed = cipher.doFinal(dataKey);
        byte[] out = new byte[1 + NONCE_BYTES + sealed.length];
        out[0] = FORMAT_VERSION;
        System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
        System.arraycopy(sealed, 0, out, 1 + NONCE_BYTES, sealed.length);
        return out;
    }

    @Override
    public byte[] unwrap(byte[] wrapped) throws GeneralSecurityException {
        if (wrapped.length < 1 + NONCE_BYTES + TAG_BITS / 8 || wrapped[0] != FORMAT_VERSION) {
            throw new GeneralSecurityException("wrapped key has an unknown format");
        }
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, masterKey,
                new GCMParameterSpec(TAG_BITS, wrapped, 1, NONCE_BYTES));
        cipher.updateAAD(AAD);
        return cipher.doFinal(wrapped, 1 + NONCE_BYTES, wrapped.length - 1 - NONCE_BYTES);
    }

    private static String fingerprint(byte[] key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }
}
