package io.galleonfs.node.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/** Runs the host's tools (umount, losetup, mkfs, blkid) with a time limit and captures what they print. */
final class HostCommands {
    private static final Logger LOG = Logger.getLogger(HostCommands.class);
    private static final List<Path> BIN = List.of(Path.of("/usr/sbin"), Path.of("/sbin"), Path.of("/usr/bin"), Path.of("/bin"));

    /** What a command did: its exit code and its combined output. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private HostCommands() {
    }

    /** Where a tool is installed, or null: the daemon may run with a PATH that lacks the sbin directories. */
    static Path find(String tool) {
        for (Path dir : BIN) {
            Path p = dir.resolve(tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                    return Path.of(dir, tool);
                }
            }
        }
        return null;
    }

    static Result run(long timeoutSeconds, String tool, String... args) throws IOException {
        Path exe = find(tool);
        if (exe == null) {
            throw new IOException(tool + " is not installed");
        }
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(exe.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                return "";
            }
        });
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + tool, e);
        }
        Result r = new Result(p.exitValue(), out.join());
        LOG.debugf("%s -> %d %s", String.join(" ", cmd), r.exitCode(), r.output());
        return r;
    }

    /** Runs a command that must succeed; the exception names the command and quotes its output. */
    static String require(long timeoutSeconds, String tool, String... args) throws IOException {
        Result r = run(timeoutSeconds, tool, args);
        if (!r.ok()) {
            throw new IOException(tool + " " + String.join(" ", args) + " failed (exit " + r.exitCode() + ")"
                    + (r.output().isEmpty() ? "" : ": " + r.output()));
        }
        return r.output();
    }
}
