package io.galleonfs.node.rest;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Gives the node under test a fresh storage directory, and removes it when the application stops. The addresses are
 * only displayed by the daemon (the test HTTP server uses quarkus.http.test-port), so fixed values are safe.
 */
public class TempStorageResource implements QuarkusTestResourceLifecycleManager {
    public static final String IPC_ADDRESS = "127.0.0.1:18090";
    public static final String BIND_ADDRESS = "127.0.0.1:18080";
    /** Real listener shared by every test class (one application), used by the NBD tests. */
    public static final String NBD_ADDRESS = "127.0.0.1:18109";

    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("galleon-node-test-");
            // JVM-wide, so test code in any class loader finds the node's bootstrap token (TestTokens).
            System.setProperty(TestTokens.STORAGE_PROPERTY, dir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "galleon.storage_path", dir.toString(),
                "galleon.ipc_address", IPC_ADDRESS,
                "galleon.bind_address", BIND_ADDRESS,
                "galleon.nbd_address", NBD_ADDRESS,
                "galleon.mount_point", dir.resolve("mounts").toString());
    }

    @Override
    public void stop() {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove test storage " + dir, e);
        }
        dir = null;
    }
}
