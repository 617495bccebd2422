package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real galleon-scheduler process started from its packaged jar. */
final class SchedulerProcess implements AutoCloseable {
    /** {@code -Dgalleon.it.scheduler-jar} points the tests at another build of the scheduler. */
    static final Path JAR = Path.of(System.getProperty("galleon.it.scheduler-jar", "../galleon-scheduler/target/quarkus-app/quarkus-run.jar"))
            .toAbsolutePath().normalize();

    final String id;
    final String listen;
    final Path log;
    private final List<String> args;
    private Process process;

    SchedulerProcess(String id, Path dir, String cluster, Path tokenFile) throws IOException {
        this.id = id;
        this.listen = "127.0.0.1:" + NodeProcess.freePort();
        this.log = dir.resolve("scheduler-" + id + ".log");
        this.args = List.of("--cluster", cluster, "--token-file", tokenFile.toString(), "--listen", listen, "--id", id,
                "--tick-ms", "200", "--lease-seconds", "3");
    }

    SchedulerProcess start() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(NodeProcess.java(), "-XX:+ExitOnOutOfMemoryError", "-jar", JAR.toString()));
        cmd.addAll(args);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://" + listen + "/q/health/ready")).build();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("scheduler exited early:\n" + Files.readString(log));
            }
            return http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        });
        return this;
    }

    String get(String path) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        return http.send(HttpRequest.newBuilder(URI.create("http://" + listen + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** kill -9: no shutdown hook runs, no lease is given back. */
    void kill() {
        process.destroyForcibly();
        process.onExit().join();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
