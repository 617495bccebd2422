package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Master keys kept in local files (32 random bytes, mode 0600). Data keys are wrapped with AES-256-GCM; a random
 * 96-bit nonce is safe here because wrapping happens once per volume (and once per rotation).
 *
 * <p>Versions: the first key is the given file ({@code keys/master.key}); each {@link #rotate()} adds
 * {@code master.key.v2}, {@code master.key.v3}, ... The highest version present is the current key, so publishing a
 * new file (born complete and fsynced, then hard-linked) is the single atomic step of a rotation.
 */
public final class FileKeyProvider implements RotatableKeyProvider {
    private static final int KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path first;
    private final Object lock = new Object();
    /** version -> key; replaced as a whole on rotate/destroy. */
    private volatile TreeMap<Integer, MasterKey> keys;

    private record MasterKey(int version, Path file, String id, SecretKey key) {
    }

    private FileKeyProvider(Path first, TreeMap<Integer, MasterKey> keys) {
        this.first = first;
        this.keys = keys;
    }

    /** Reads the key files, or creates the first one with a fresh random key if none exists. */
    public static FileKeyProvider openOrCreate(Path keyFile) throws IOException {
        Path absolute = keyFile.toAbsolutePath();
        TreeMap<Integer, MasterKey> found = load(absolute);
        if (found.isEmpty()) {
            create(absolute);
            found = load(absolute);
        }
        return new FileKeyProvider(absolute, found);
    }

    private static TreeMap<Integer, MasterKey> load(Path first) throws IOException {
        TreeMap<Integer, MasterKey> out = new TreeMap<>();
        if (Files.exists(first)) {
            out.put(1, read(1, first));
        }
        Path dir = first.getParent();
        if (Files.isDirectory(dir)) {
            String prefix = first.getFileName() + ".v";
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, first.getFileName() + ".v*")) {
                for (Path f : files) {
                    String suffix = f.getFileName().toString().substring(prefix.length());
                    if (!suffix.isEmpty() && suffix.length() < 9 && suffix.chars().allMatch(Character::isDigit)) {
                        int version = Integer.parseInt(suffix);
                        if (version >= 2) {
                            out.put(version, read(version, f));
                        }
                    }
                }
            }
        }
        return out;
    }

    private static MasterKey read(int version, Path file) throws IOException {
        byte[] key = Files.readAllBytes(file);
        try {
            if (key.length != KEY_BYTES) {
                throw new EngineException("master key file " + file + " must hold exactly " + KEY_BYTES
                        + " bytes, found " + key.length);
            }
            return new MasterKey(version, file, "file:" + fingerprint(key), new SecretKeySpec(key, "AES"));
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private Path fileOf(int version) {
        return version == 1 ? first : first.resolveSibling(first.getFileName() + ".v" + version);
    }

    /** Creates {@code keyFile}; returns false if it existed already (another creator won). */
    private static boolean create(Path keyFile) throws IOException {
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
        boolean created = true;
        try {
            Files.createLink(keyFile, tmp);
        } catch (FileAlreadyExistsException lostRace) {
            created = false; // another process created the key first; its key is the one to use
        } finally {
            Files.deleteIfExists(tmp);
        }
        AtomicFiles.fsyncDirectory(dir);
        return created;
    }

    private MasterKey current() {
        return keys.lastEntry().getValue();
    }

    @Override
    public String id() {
        return current().id();
    }

    @Override
    public String rotate() throws IOException {
        synchronized (lock) {
            int version = keys.lastKey() + 1;
            while (!create(fileOf(version))) {
                version++;
            }
            keys = load(first);
            return current().id();
        }
    }

    @Override
    public List<String> keyIds() {
        List<String> out = new ArrayList<>();
        for (MasterKey k : keys.values()) {
            out.add(k.id());
        }
        return out;
    }

    @Override
    public void destroy(String keyId) throws IOException {
        synchronized (lock) {
            MasterKey k = byId(keyId);
            if (k == null) {
                throw new EngineException("no master key " + keyId + " in " + first.getParent());
            }
            if (k == current()) {
                throw new EngineException("master key " + keyId + " is the current key; rotate before destroying it");
            }
            // Overwrite first so the bytes do not linger in the file's blocks (best effort on copy-on-write or
            // flash storage; see the README's recovery notes), then unlink.
            try (FileChannel ch = FileChannel.open(k.file(), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(KEY_BYTES), 0);
                ch.force(true);
            }
            Files.delete(k.file());
            AtomicFiles.fsyncDirectory(k.file().getParent());
            TreeMap<Integer, MasterKey> next = new TreeMap<>(keys);
            next.remove(k.version());
            keys = next;
        }
    }

    private MasterKey byId(String keyId) {
        for (MasterKey k : keys.values()) {
            if (k.id().equals(keyId)) {
                return k;
            }
        }
        return null;
    }

    @Override
    public byte[] wrap(byte[] dataKey) throws GeneralSecurityException {
        return wrapCurrent(dataKey).bytes();
    }

    @Override
    public WrappedKey wrapCurrent(byte[] dataKey) throws GeneralSecurityException {
        MasterKey k = current();
        return new WrappedKey(k.id(), GcmWrapping.wrap(k.key(), null, dataKey));
    }

    @Override
    public byte[] unwrap(byte[] wrapped) throws GeneralSecurityException {
        return GcmWrapping.unwrap(current().key(), null, wrapped);
    }

    @Override
    public byte[] unwrap(String keyId, byte[] wrapped) throws GeneralSecurityException {
        if (keyId == null) {
            return unwrap(wrapped);
        }
        MasterKey k = byId(keyId);
        if (k == null) {
            throw new GeneralSecurityException("master key " + keyId + " is not in " + first.getParent()
                    + " (held: " + String.join(", ", keyIds()) + ")");
        }
        return GcmWrapping.unwrap(k.key(), null, wrapped);
    }

    private static String fingerprint(byte[] key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JDK", e);
        }
    }

    /** For tests and status output: the key files by id. */
    Map<String, Path> files() {
        Map<String, Path> out = new java.util.LinkedHashMap<>();
        keys.values().forEach(k -> out.put(k.id(), k.file()));
        return out;
    }
}
