package io.galleonfs.node.rest;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The bootstrap admin token of the node under test, read (awaiting it) from {@code <storage>/auth/admin.token} of the
 * storage directory {@link TempStorageResource} made: the tests run with authentication on, as users do.
 */
public final class TestTokens {
    static final String STORAGE_PROPERTY = "galleon.test.storage";
    private static volatile String admin;

    private TestTokens() {
    }

    public static String admin() {
        String t = admin;
        if (t == null) {
            String storage = System.getProperty(STORAGE_PROPERTY);
            if (storage == null) {
                throw new IllegalStateException("no node under test: " + STORAGE_PROPERTY + " is not set");
            }
            Path file = Path.of(storage, "auth", "admin.token");
            await("bootstrap admin token " + file).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Files.isRegularFile(file) && !Files.readString(file).isBlank());
            try {
                t = Files.readString(file).strip();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            admin = t;
        }
        return t;
    }

    public static String bearerAdmin() {
        return "Bearer " + admin();
    }
}
