package io.galleonfs.node.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StorageUsage} counts the node's own files, not those of a file system mounted under the storage path. */
class StorageUsageTest {
    @TempDir
    Path storage;

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
        return p.exitValue();
    }

    @Test
    void aFileSystemMountedUnderTheStoragePathIsNotCounted() throws Exception {
        Files.write(storage.resolve("segment.log"), new byte[64 << 10]);
        Path mountPoint = Files.createDirectories(storage.resolve("mounts").resolve("vol"));
        long before = StorageUsage.of(storage).usedBytes();
        assertTrue(before >= 64 << 10, "the node's own file is counted: " + before);

        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=16m", "galleon-usage-test", mountPoint.toString()) == 0,
                "cannot mount a tmpfs here (not root?): skipped");
        try {
            Files.write(mountPoint.resolve("users-file"), new byte[4 << 20]);
            Files.createDirectories(mountPoint.resolve("deep/er"));
            Files.write(mountPoint.resolve("deep/er/more"), new byte[1 << 20]);
            assertEquals(before, StorageUsage.of(storage).usedBytes(), "the mounted file system's 5 MiB are not the node's");
        } finally {
            assertEquals(0, run("umount", mountPoint.toString()), "umount " + mountPoint);
        }
    }
}
