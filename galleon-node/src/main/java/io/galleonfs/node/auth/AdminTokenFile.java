package io.galleonfs.node.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The founding node's bootstrap admin secret at {@code <storage>/auth/admin.token} (file 0600, directory 0700): the
 * only place a secret is kept, so that the local CLI can find it without set-up.
 */
public final class AdminTokenFile {
    private AdminTokenFile() {
    }

    public static Path of(Path storage) {
        return storage.resolve("auth").resolve("admin.token");
    }

    /** Writes atomically (temp file created 0600, then renamed) so a reader never sees a partial or wider-readable secret. */
    public static void write(Path storage, String secret) throws IOException {
        Path file = of(storage);
        writePrivate(file, secret + "\n");
    }

    public static Optional<String> read(Path storage) throws IOException {
        Path file = of(storage);
        return Files.isRegularFile(file) ? Optional.of(Files.readString(file).strip()) : Optional.empty();
    }

    /**
     * Keeps an existing secret under {@code admin.token.<millis>.old} before a new cluster is founded on this storage
     * (after {@code cluster leave}): it is still the admin secret of the cluster this node left.
     */
    public static Optional<Path> retire(Path storage, long nowMillis) throws IOException {
        Path file = of(storage);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Path kept = file.resolveSibling("admin.token." + nowMillis + ".old");
        Files.move(file, kept, StandardCopyOption.ATOMIC_MOVE);
        return Optional.of(kept);
    }

    public static void delete(Path storage) throws IOException {
        Files.deleteIfExists(of(storage));
    }

    /** Creates {@code file} with mode 0600 (its directory 0700 if new) and the given text. */
    static void writePrivate(Path file, String text) throws IOException {
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
