package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The daemon as bin/galleonfs starts it ends on OutOfMemoryError (issue 12): the JVM flag is active in the process. */
class LauncherIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private Path dir;
    private Process daemon;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-launcher");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly();
            daemon.onExit().join();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void binGalleonfsStartsTheDaemonWithExitOnOutOfMemoryError() throws Exception {
        // The launcher builds when a jar is missing; here both come from this build, or the test does not apply.
        assumeTrue(Files.isRegularFile(ROOT.resolve("galleon-node/target/quarkus-app/quarkus-run.jar"))
                && Files.isRegularFile(ROOT.resolve("galleon-cli/target/cli-app/galleonfs-cli.jar")), "jars not built in " + ROOT);
        String ipc = "127.0.0.1:" + NodeProcess.freePort();
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/galleonfs").toString(), "-d", "--storage-path", dir.resolve("node").toString(),
                "--ipc-address", ipc, "--bind-address", "127.0.0.1:" + NodeProcess.freePort())
                .redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile());
        pb.environment().remove("GALLEON_NODE_JAVA_OPTS");
        pb.environment().remove("GALLEON_JAR_DIR");
        daemon = pb.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://" + ipc + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build();
        await("daemon ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            assertTrue(daemon.isAlive(), () -> "daemon exited: " + readLog());
            return http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        });

        // The script execs java, so its pid is the JVM's.
        String cmdline = Files.readString(Path.of("/proc/" + daemon.pid() + "/cmdline")).replace('\0', ' ');
        assertTrue(cmdline.contains("-XX:+ExitOnOutOfMemoryError"), cmdline);
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (Files.isExecutable(jcmd)) {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(daemon.pid()), "VM.flags").redirectErrorStream(true).start();
            String flags = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertTrue(flags.contains("-XX:+ExitOnOutOfMemoryError"), flags);
        }
        assertTrue(!readLog().contains("started without -XX:+ExitOnOutOfMemoryError"), readLog());
    }

    /**
     * The CLI's AOT cache is retrained when a jar of lib/ is newer than it (galleon-engine or galleon-api rebuilt without
     * the CLI module): the JVM ignores a cache whose jars changed, silently, and every call ran ~0.2 s slower until
     * the next full build. A fresh cache is not retrained.
     */
    @Test
    void theCliAotCacheIsRetrainedWhenALibraryJarChanged() throws Exception {
        Path cliApp = ROOT.resolve("galleon-cli/target/cli-app");
        assumeTrue(Files.isRegularFile(cliApp.resolve("galleonfs-cli.jar")), "CLI not built in " + ROOT);
        Path jars = dir.resolve("jars");
        copyTree(cliApp, jars.resolve("cli"));
        Files.createDirectories(jars.resolve("node"));
        Files.writeString(jars.resolve("node/quarkus-run.jar"), ""); // the launcher only checks that it exists
        Path cache = jars.resolve("galleon-cli.aot");

        runCli(jars);
        assertTrue(Files.isRegularFile(cache), "the first call trains the cache");
        java.nio.file.attribute.FileTime trained = Files.getLastModifiedTime(cache);

        runCli(jars);
        assertTrue(Files.getLastModifiedTime(cache).equals(trained), "a fresh cache is not trained again");

        Path lib;
        try (Stream<Path> all = Files.list(jars.resolve("cli/lib"))) {
            lib = all.filter(p -> p.getFileName().toString().startsWith("galleon-engine")).findFirst().orElseThrow();
        }
        Files.setLastModifiedTime(lib, java.nio.file.attribute.FileTime.fromMillis(trained.toMillis() + 1_000));
        runCli(jars);
        assertTrue(!Files.getLastModifiedTime(cache).equals(trained),
                "the cache is trained again after " + lib.getFileName() + " changed");
    }

    private void runCli(Path jars) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/galleonfs").toString(), "--version")
                .redirectErrorStream(true).redirectOutput(dir.resolve("cli.log").toFile());
        pb.environment().put("GALLEON_JAR_DIR", jars.toString());
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the CLI call ended");
        assertTrue(p.exitValue() == 0, () -> "exit " + p.exitValue() + ": " + readFile(dir.resolve("cli.log")));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".aot")) {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static String readFile(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private String readLog() {
        try {
            return Files.readString(dir.resolve("node.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
