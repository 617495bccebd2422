package io.galleonfs.cli;

import io.galleonfs.api.ClusterStatus;
import io.galleonfs.api.GalleonApi;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A temporary GalleonFS node run by the legacy modes: the packaged node jar started as a child process
 * ({@code java -jar quarkus-run.jar -d ...}) on free loopback ports, with its own storage directory and its own CLI
 * config directory ({@code GALLEONFS_CONFIG_DIR}), so that nothing is written outside the walkthrough's temp directory.
 */
final class LocalNode {
    /** The node jar; bin/galleonfs exports it. */
    static final String NODE_JAR_ENV = "GALLEON_NODE_JAR";
    /** JVM options for the node (as bin/galleonfs uses them for {@code galleonfs -d}). */
    static final String NODE_JAVA_OPTS_ENV = "GALLEON_NODE_JAVA_OPTS";
    private static final long READY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(90);

    final String name;
    final Path storage;
    final Path log;
    final String ipcAddress;
    final String bindAddress;
    private final List<String> extraArgs;
    private final Path configDir;
    private Process process;
    private volatile String token;

    private LocalNode(String name, Path storage, String ipcAddress, String bindAddress, Path configDir, List<String> extraArgs) {
        this.name = name;
        this.storage = storage;
        this.log = storage.resolveSibling(storage.getFileName() + ".log");
        this.ipcAddress = ipcAddress;
        this.bindAddress = bindAddress;
        this.configDir = configDir;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /**
     * A node on {@code host} (a loopback address) with free ports: the API port, and a bind port whose +100 (FD_SOCK2)
     * and +200 (data plane) are free too.
     */
    static LocalNode on(String name, String host, Path dir, List<String> extraArgs) throws IOException {
        String ipc = host + ":" + freePort(host, 0);
        String bind = host + ":" + freePort(host, 0, 100, 200);
        return new LocalNode(name, dir.resolve(name), ipc, bind, dir.resolve("config"), extraArgs);
    }

    /** A port on {@code host} that is free, and free at each {@code offsets} above it. */
    static int freePort(String host, int... offsets) throws IOException {
        InetAddress address = InetAddress.getByName(host);
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(address, 0));
                port = s.getLocalPort();
            }
            if (port + 200 <= 65535 && allFree(address, port, offsets)) {
                return port;
            }
        }
        throw new IOException("no free port on " + host + " (50 tries)");
    }

    private static boolean allFree(InetAddress address, int port, int... offsets) {
        for (int off : offsets) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(address, port + off));
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }

    /** The node jar: $GALLEON_NODE_JAR, else next to this CLI's jar as a source checkout or bin/galleonfs's copy lays them out. */
    static Path nodeJar() {
        String env = System.getenv(NODE_JAR_ENV);
        if (env != null && !env.isBlank()) {
            return requireJar(Path.of(env), NODE_JAR_ENV + "=" + env);
        }
        Optional<Path> cliJar = Optional.ofNullable(GalleonCli.class.getProtectionDomain().getCodeSource())
                .map(cs -> {
                    try {
                        return Path.of(cs.getLocation().toURI());
                    } catch (Exception e) {
                        return null;
                    }
                });
        List<Path> candidates = new ArrayList<>();
        // <root>/galleon-cli/target/cli-app/galleonfs-cli.jar -> <root>/galleon-node/target/...
        cliJar.ifPresent(jar -> {
            for (Path p = jar.getParent(); p != null; p = p.getParent()) {
                candidates.add(p.resolve("galleon-node/target/quarkus-app/quarkus-run.jar"));
                candidates.add(p.resolve("node/quarkus-run.jar")); // GALLEON_JAR_DIR layout: DIR/cli, DIR/node
            }
        });
        return candidates.stream().filter(Files::isRegularFile).findFirst().orElseThrow(() -> new ErrorHandler.CliException(
                "cannot find the node jar (galleon-node/target/quarkus-app/quarkus-run.jar); run through bin/galleonfs, or set "
                        + NODE_JAR_ENV));
    }

    private static Path requireJar(Path jar, String what) {
        if (!Files.isRegularFile(jar)) {
            throw new ErrorHandler.CliException(what + " is not a file");
        }
        return jar;
    }

    List<String> command(Path nodeJar) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:+ExitOnOutOfMemoryError"));
        String opts = System.getenv(NODE_JAVA_OPTS_ENV);
        if (opts != null && !opts.isBlank()) {
            cmd.addAll(List.of(opts.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-jar", nodeJar.toString(), "-d", "--storage-path", storage.toString(),
                "--ipc-address", ipcAddress, "--bind-address", bindAddress));
        cmd.addAll(extraArgs);
        return cmd;
    }

    /** Starts the process (its output goes to {@link #log}); {@link #awaitReady} waits for its API. */
    LocalNode start(Path nodeJar) throws IOException {
        Files.createDirectories(configDir);
        ProcessBuilder pb = new ProcessBuilder(command(nodeJar)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("GALLEONFS_CONFIG_DIR", configDir.toString());
        pb.environment().remove("GALLEON_RESTART_WAIT_PID");
        process = pb.start();
        return this;
    }

    /** The admin token this node wrote when it founded its cluster (a node that joined one has none). */
    Optional<String> ownToken() {
        Path file = storage.resolve("auth").resolve("admin.token");
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readString(file).strip()).filter(t -> !t.isEmpty()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Uses the token of the cluster this node is in (tokens are cluster-wide). */
    LocalNode withToken(String clusterToken) {
        this.token = clusterToken;
        return this;
    }

    GalleonApi api(long readTimeoutSeconds) {
        if (token == null) {
            throw new IllegalStateException(name + " has no API token yet");
        }
        return ApiClients.forToken(ipcAddress, token, readTimeoutSeconds);
    }

    /**
     * Waits until the node answers its API and sees {@code members} cluster members up with a leader. A founder
     * answers once its admin token exists; others use the token given with {@link #withToken}.
     */
    ClusterStatus awaitReady(int members) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT_NANOS;
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new ErrorHandler.CliException(name + " exited with code " + process.exitValue() + " during start-up: " + lastLogLine());
            }
            if (token == null) {
                ownToken().ifPresent(t -> token = t);
            }
            if (token != null) {
                try {
                    ClusterStatus s = api(3).clusterStatus();
                    long up = s.members() == null ? 0 : s.members().stream().filter(m -> "up".equals(m.state())).count();
                    if (s.leader() != null && up >= members) {
                        return s;
                    }
                    last = "leader " + s.leader() + ", " + up + " of " + members + " member(s) up";
                } catch (RuntimeException notYet) {
                    last = StepRunner.oneLine(ErrorHandler.describe(notYet));
                }
            }
            Thread.sleep(200);
        }
        throw new ErrorHandler.CliException(name + " not ready within " + TimeUnit.NANOSECONDS.toSeconds(READY_TIMEOUT_NANOS) + " s ("
                + last + "); its log ends: " + lastLogLine());
    }

    /** The end of the node's log (its last three lines), which says why it stopped or is not ready. */
    String lastLogLine() {
        try {
            List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).map(String::strip).toList();
            return lines.isEmpty() ? "(empty log)" : String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** {@code kill -9}: the node dies at once, without its shutdown hooks. */
    void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
        }
    }

    /** SIGTERM, so the node unmounts and leaves cleanly; SIGKILL if it has not ended within {@code graceSeconds}. */
    void stop(long graceSeconds) throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
            kill();
        }
    }

    /** Signals every node at once (SIGTERM) and waits for them together, so none waits for a quorum that is stopping too. */
    static void stopAll(List<LocalNode> nodes, long graceSeconds) throws InterruptedException {
        for (LocalNode n : List.copyOf(nodes)) {
            if (n.alive()) {
                n.process.destroy();
            }
        }
        for (LocalNode n : List.copyOf(nodes)) {
            n.stop(graceSeconds);
        }
    }

    @Override
    public String toString() {
        return name + " (" + ipcAddress + ")";
    }
}
