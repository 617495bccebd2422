package io.galleonfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** A small ext4 file system on a loop device, mounted under a temporary directory: what the disk-full tests fill. */
final class LoopFileSystem implements AutoCloseable {
    record Sh(int exit, String out) {
    }

    final Path dir;
    final Path mnt;
    private final String device;

    private LoopFileSystem(Path dir, Path mnt, String device) {
        this.dir = dir;
        this.mnt = mnt;
        this.device = device;
    }

    /** Skips the calling test unless it runs as root with losetup and mkfs.ext4. */
    static void assumeAvailable() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "not root: the disk-full test needs a loop device");
        Assumptions.assumeTrue(sh("command -v losetup && command -v mkfs.ext4 && test -e /dev/loop-control").exit() == 0,
                "losetup, mkfs.ext4 or /dev/loop-control missing: disk-full test skipped");
    }

    /** Creates, formats and mounts a file system of {@code size} (e.g. "200M"). */
    static LoopFileSystem mount(String size) throws Exception {
        Path dir = Files.createTempDirectory("galleon-diskfull");
        Path img = dir.resolve("fs.img");
        Path mnt = dir.resolve("mnt");
        Files.createDirectories(mnt);
        // -m 0: no blocks reserved for root (the daemon runs as root here), so "free" is what the daemon can use.
        check(sh("truncate -s " + size + " " + img + " && mkfs.ext4 -q -m 0 " + img));
        Sh loop = sh("losetup -f --show " + img);
        check(loop);
        String device = loop.out().strip();
        check(sh("mount " + device + " " + mnt));
        return new LoopFileSystem(dir, mnt, device);
    }

    /** Bytes free on the file system (df). */
    long availableBytes() throws Exception {
        return Long.parseLong(sh("df --output=avail -B1 " + mnt + " | tail -1").out().strip());
    }

    @Override
    public void close() throws Exception {
        if (sh("mountpoint -q " + mnt).exit() == 0 && sh("umount " + mnt).exit() != 0) {
            sh("umount -l " + mnt);
        }
        sh("losetup -d " + device);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static Sh sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Sh(-1, out);
        }
        return new Sh(p.exitValue(), out);
    }

    private static void check(Sh result) {
        if (result.exit() != 0) {
            throw new IllegalStateException("setting up the loop file system failed: " + result.out());
        }
    }
}
