package io.galleonfs.node.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The pointer that lets a local CLI find this daemon's admin token without set-up: the file
 * {@code <config dir>/local/<host>_<port>} (0600) holds the absolute path of {@code <storage>/auth/admin.token}. It
 * holds no secret itself; a user who cannot read the token file gains nothing from it. The config directory is
 * {@code $GALLEONFS_CONFIG_DIR}, else {@code ~/.config/galleonfs} (the CLI resolves it the same way).
 */
public final class LocalDiscovery {
    private LocalDiscovery() {
    }

    public static Path configDir(Map<String, String> env, String userHome) {
        String override = env.get("GALLEONFS_CONFIG_DIR");
        return override != null && !override.isBlank() ? Path.of(override) : Path.of(userHome, ".config", "galleonfs");
    }

    public static Path pointer(Path configDir, String host, int port) {
        return configDir.resolve("local").resolve(host + "_" + port);
    }

    public static void write(Path configDir, String host, int port, Path tokenFile) throws IOException {
        AdminTokenFile.writePrivate(pointer(configDir, host, port), tokenFile.toAbsolutePath() + "\n");
    }

    /** Removes the pointer only if it still names {@code tokenFile} (another daemon may have taken the address since). */
    public static void removeIfOurs(Path configDir, String host, int port, Path tokenFile) throws IOException {
        Path p = pointer(configDir, host, port);
        if (Files.isRegularFile(p) && Files.readString(p).strip().equals(tokenFile.toAbsolutePath().toString())) {
            Files.deleteIfExists(p);
        }
    }

    /**
     * The pointer to the cluster CA certificate of a daemon that serves HTTPS: {@code <config dir>/local/<host>_<port>.ca}
     * holds the absolute path of {@code <storage>/tls/ca.crt}. Its presence tells the local CLI to use HTTPS, verified
     * against that CA.
     */
    public static Path caPointer(Path configDir, String host, int port) {
        return configDir.resolve("local").resolve(host + "_" + port + ".ca");
    }

    public static void writeCa(Path configDir, String host, int port, Path caFile) throws IOException {
        AdminTokenFile.writePrivate(caPointer(configDir, host, port), caFile.toAbsolutePath() + "\n");
    }

    /** Removes the CA pointer if it names {@code caFile} (this daemon now serves plain HTTP). */
    public static void removeCaIfOurs(Path configDir, String host, int port, Path caFile) throws IOException {
        Path p = caPointer(configDir, host, port);
        if (Files.isRegularFile(p) && Files.readString(p).strip().equals(caFile.toAbsolutePath().toString())) {
            Files.deleteIfExists(p);
        }
    }
}
