package io.galleonfs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged CLI as a real process, as a user would. */
final class CliRunner {
    /** {@code -Dgalleon.it.cli-jar} points the tests at another build of the CLI. */
    static final Path CLI_JAR = Path.of(System.getProperty("galleon.it.cli-jar", "target/cli-app/galleonfs-cli.jar")).toAbsolutePath();

    private final String daemonAddress;
    private final java.util.function.Supplier<String> token;

    /** A CLI that finds its token as a user's would: here by local discovery of the daemon's admin token. */
    CliRunner(String daemonAddress) {
        this(daemonAddress, () -> null);
    }

    /** A CLI given a token through GALLEONFS_TOKEN (cluster members other than the founder hold no token file). */
    CliRunner(String daemonAddress, java.util.function.Supplier<String> token) {
        this.daemonAddress = daemonAddress;
        this.token = token;
    }

    record Result(int exitCode, String stdout, String stderr) {
        Result ok() {
            if (exitCode != 0) {
                throw new AssertionError("CLI failed with exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return this;
        }
    }

    Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(NodeProcess.java(), "-jar", CLI_JAR.toString(), "--daemon-address", daemonAddress));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        String t = token.get();
        if (t != null) {
            pb.environment().put("GALLEONFS_TOKEN", t);
        }
        Process p = pb.start();
        var out = p.getInputStream();
        var err = p.getErrorStream();
        var outF = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(out));
        var errF = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(err));
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("CLI timed out: " + cmd);
        }
        return new Result(p.exitValue(), outF.join(), errF.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
