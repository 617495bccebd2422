package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {
    @TempDir
    Path dir;

    private Path config(String text) throws IOException {
        return Files.writeString(dir.resolve("config.toml"), text);
    }

    private Path discoverable(String host, int port, String token) throws IOException {
        Path tokenFile = Files.writeString(dir.resolve("storage-admin.token"), token + "\n");
        Files.createDirectories(dir.resolve("local"));
        Files.writeString(dir.resolve("local").resolve(host + "_" + port), tokenFile.toAbsolutePath() + "\n");
        return tokenFile;
    }

    private Optional<String> token(Map<String, String> env, String flag, String address) {
        return new Credentials(env, dir).resolve(flag, address).map(Credentials.Found::token);
    }

    @Test
    void precedenceIsFlagThenEnvironmentThenContextThenDiscovery() throws IOException {
        discoverable("127.0.0.1", 8090, "gfs_local");
        config("""
                current_context = "lab"
                [contexts.lab]
                address = "127.0.0.1:8090"
                token = "gfs_context"
                """);
        Map<String, String> env = Map.of("GALLEONFS_TOKEN", "gfs_env");
        assertEquals(Optional.of("gfs_flag"), token(env, "gfs_flag", "127.0.0.1:8090"));
        assertEquals(Optional.of("gfs_env"), token(env, null, "127.0.0.1:8090"));
        assertEquals(Optional.of("gfs_context"), token(Map.of(), null, "127.0.0.1:8090"));
        assertEquals(Optional.of("gfs_context"), token(Map.of(), null, "http://127.0.0.1:8090/"));
        Files.delete(dir.resolve("config.toml"));
        assertEquals(Optional.of("gfs_local"), token(Map.of(), null, "127.0.0.1:8090"));
        assertEquals(Optional.of("gfs_local"), token(Map.of("GALLEONFS_TOKEN", " "), "", "127.0.0.1:8090"));
    }

    @Test
    void aContextTokenIsNeverSentToAnotherDaemon() throws IOException {
        config("""
                current_context = "prod"
                [contexts.prod]
                address = "10.0.0.5:8090"
                token = "gfs_prod"
                """);
        Credentials c = new Credentials(Map.of(), dir);
        assertEquals(Optional.of("10.0.0.5:8090"), c.contextAddress());
        assertEquals(Optional.of("gfs_prod"), token(Map.of(), null, "10.0.0.5:8090"));
        assertEquals(Optional.empty(), token(Map.of(), null, "127.0.0.1:8090"));
    }

    @Test
    void discoveryNeedsAReadableTokenFileForThatAddress() throws IOException {
        Path tokenFile = discoverable("127.0.0.1", 7000, "gfs_local");
        assertEquals(Optional.empty(), token(Map.of(), null, "127.0.0.1:7001"));
        assertEquals(Optional.of("gfs_local"), token(Map.of(), null, "localhost:7000"));
        Files.delete(tokenFile);
        assertEquals(Optional.empty(), token(Map.of(), null, "127.0.0.1:7000"), "a stale pointer is ignored");
        if (!"root".equals(System.getProperty("user.name"))) {
            discoverable("127.0.0.1", 7000, "gfs_local");
            Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("---------"));
            assertEquals(Optional.empty(), token(Map.of(), null, "127.0.0.1:7000"), "an unreadable token file is ignored");
        }
    }

    @Test
    void aBrokenConfigFileIsOneClearError() throws IOException {
        config("current_context = \"x\"\n");
        ErrorHandler.CliException e = org.junit.jupiter.api.Assertions.assertThrows(ErrorHandler.CliException.class,
                () -> new Credentials(Map.of(), dir).resolve(null, "127.0.0.1:8090"));
        assertTrue(e.getMessage().contains("[contexts.x]"), e.getMessage());
    }
}
