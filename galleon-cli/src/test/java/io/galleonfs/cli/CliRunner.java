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
        List<String> cmd = new ArrayList<>(List.of(NodeProcess.java()));
        cmd.addAll(CliJvm.OPTIONS);
        cmd.addAll(List.of("-jar", CLI_JAR.toString(), "--daemon-address", daemonAddress));
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

    /**
     * The JVM options bin/galleonfs starts the CLI with, its AOT cache included: the process tests run the CLI a few
     * hundred times, and without the cache each call cost ~0.5 s more of JVM start (on a loaded CI machine ~0.9 s).
     * The cache is trained once per build of the CLI, by the same workload as bin/galleonfs's, into a file of the tests'
     * own (bin/galleonfs's first-call training is what LauncherIT exercises). A failed training leaves the plain JVM.
     */
    static final class CliJvm {
        /** CLI_JVM_OPTS of bin/galleonfs. */
        private static final List<String> FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djdk.reflect.useNativeAccessorOnly=true");
        static final List<String> OPTIONS = options();

        private static List<String> options() {
            List<String> opts = new ArrayList<>(FLAGS);
            Path cache = CLI_JAR.resolveSibling("galleonfs-cli.it.aot");
            try {
                if (!java.nio.file.Files.exists(cache)
                        || java.nio.file.Files.getLastModifiedTime(cache).compareTo(java.nio.file.Files.getLastModifiedTime(CLI_JAR)) < 0) {
                    train(cache);
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("CLI AOT cache not trained, the CLI runs without it: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (java.nio.file.Files.exists(cache)) {
                opts.addAll(List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off", "-Xlog:cds=off"));
            }
            return List.copyOf(opts);
        }

        private static void train(Path cache) throws IOException, InterruptedException {
            java.nio.file.Files.deleteIfExists(cache);
            exec(List.of(NodeProcess.java(), "-cp", CLI_JAR.toString(), "io.galleonfs.cli.UpgradeClassFiles", CLI_JAR.resolveSibling("lib").toString()));
            List<String> command = new ArrayList<>(List.of(NodeProcess.java()));
            command.addAll(FLAGS);
            command.addAll(List.of("-XX:AOTCacheOutput=" + cache, "-Xlog:aot=off", "-Xlog:cds=off", "-cp", CLI_JAR.toString(),
                    "io.galleonfs.cli.AotTraining"));
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().remove("GALLEONFS_TOKEN");
            pb.environment().remove("GALLEONFS_CA_CERT");
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            pb.environment().put("GALLEONFS_CONFIG_DIR", cache + ".no-config");
            if (run(pb) != 0) {
                java.nio.file.Files.deleteIfExists(cache);
            }
        }

        private static void exec(List<String> cmd) throws IOException, InterruptedException {
            run(new ProcessBuilder(cmd));
        }

        private static int run(ProcessBuilder pb) throws IOException, InterruptedException {
            Process p = pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        }
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
