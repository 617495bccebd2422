package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A real GalleonFS daemon process started from the packaged node jar, for end-to-end tests. */
final class NodeProcess implements AutoCloseable {
    /** {@code -Dgalleon.it.node-jar} points the tests at another build of the node (e.g. one packaged elsewhere). */
    static final Path NODE_JAR = Path.of(System.getProperty("galleon.it.node-jar", "../galleon-node/target/quarkus-app/quarkus-run.jar"))
            .toAbsolutePath().normalize();

    final Path storage;
    final Path log;
    /** Not final: a daemon on ports picked here moves to fresh ones if another process took them first. */
    String ipcAddress;
    String bindAddress;
    /** True when this object picked the ports (free a moment ago, which is no promise): start retries on a clash. */
    private final boolean portsPickedHere;
    private final List<String> extraArgs;
    /** JVM options before {@code -jar} (tests set system properties such as shorter ingress timeouts). */
    private final List<String> jvmArgs = new ArrayList<>();
    /** Words before the java command, e.g. {@code ip netns exec NAME} to run the daemon in a network namespace. */
    private final List<String> launchPrefix = new ArrayList<>();
    private Process process;
    /** False only for the daemon that trains the AOT cache the others start with ({@link NodeJvm}). */
    private boolean withAotCache = true;

    NodeProcess(Path storage, List<String> extraArgs) throws IOException {
        this(storage, extraArgs, freePorts());
    }

    private NodeProcess(Path storage, List<String> extraArgs, int[] ports) {
        this(storage, "127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1], extraArgs, true);
    }

    /**
     * An API port and a bind port that do not collide inside one daemon: it also listens on the bind port + 100
     * (JGroups' FD_SOCK2) and + 200 (replication), and two free ports can be exactly that far apart (KeyRotationIT
     * once got API port = bind port + 100: the node's REST server found its port taken by its own FD_SOCK2).
     */
    static int[] freePorts() throws IOException {
        while (true) {
            int api = freePort();
            int bind = freePort();
            if (api < bind || api > bind + 300) {
                return new int[] {api, bind};
            }
        }
    }

    /** A daemon on explicit addresses (cluster tests give each node its own loopback host). */
    NodeProcess(Path storage, String ipcAddress, String bindAddress, List<String> extraArgs) {
        this(storage, ipcAddress, bindAddress, extraArgs, false);
    }

    private NodeProcess(Path storage, String ipcAddress, String bindAddress, List<String> extraArgs, boolean portsPickedHere) {
        this.portsPickedHere = portsPickedHere;
        this.storage = storage;
        this.log = storage.resolveSibling(storage.getFileName() + ".log");
        this.ipcAddress = ipcAddress;
        this.bindAddress = bindAddress;
        this.extraArgs = extraArgs;
    }

    /** Environment variables added for the next start (e.g. SOFTHSM2_CONF). */
    private final java.util.Map<String, String> env = new java.util.LinkedHashMap<>();

    NodeProcess withEnv(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** Adds JVM options for the next start. */
    NodeProcess withJvmArgs(String... args) {
        jvmArgs.addAll(List.of(args));
        return this;
    }

    /** Runs the daemon under the given command words (which must exec it, so the process is the daemon itself). */
    NodeProcess withLaunchPrefix(List<String> prefix) {
        launchPrefix.addAll(prefix);
        return this;
    }

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    List<String> command() {
        // The same JVM options as bin/galleonfs: a daemon out of heap ends instead of lingering half-alive.
        List<String> cmd = new ArrayList<>(launchPrefix);
        cmd.addAll(List.of(java(), "--enable-native-access=ALL-UNNAMED", "-XX:+ExitOnOutOfMemoryError"));
        if (withAotCache) {
            cmd.addAll(NodeJvm.OPTIONS);
        }
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-jar", NODE_JAR.toString(), "-d",
                "--storage-path", storage.toString(), "--ipc-address", ipcAddress, "--bind-address", bindAddress));
        cmd.addAll(extraArgs);
        return cmd;
    }

    NodeProcess start() throws IOException {
        for (int attempt = 1; ; attempt++) {
            long logBefore = Files.exists(log) ? Files.size(log) : 0;
            ProcessBuilder pb = new ProcessBuilder(command()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            process = pb.start();
            try {
                awaitReady();
                return this;
            } catch (AssertionError e) {
                // A port found free by freePort() can be taken by another process before the daemon binds it (the
                // daemon also uses the bind port + 200): pick fresh ports rather than fail the test.
                if (!portsPickedHere || attempt == 3 || process.isAlive() || !logSince(logBefore).contains("Address already in use")) {
                    throw e;
                }
                int[] ports = freePorts();
                ipcAddress = "127.0.0.1:" + ports[0];
                bindAddress = "127.0.0.1:" + ports[1];
            }
        }
    }

    /** Everything this node's processes logged so far (the log is appended across restarts). */
    String logText() throws IOException {
        return logSince(0);
    }

    private String logSince(long offset) throws IOException {
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    void awaitReady() {
        boolean tls = extraArgs.contains("--tls");
        HttpRequest ready = HttpRequest.newBuilder(URI.create((tls ? "https://" : "http://") + ipcAddress + "/q/health/ready")).build();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .failFast("daemon exited early", () -> process != null && !process.isAlive()).until(() -> {
                // with TLS, trust only the node's own cluster CA (it exists once the daemon has written it)
                HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1));
                if (tls) {
                    b.sslContext(sslContextTrusting(caCert()));
                }
                return b.build().send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            });
        } catch (org.awaitility.core.TerminalFailureException e) {
            String text;
            try {
                text = Files.readString(log);
            } catch (IOException io) {
                text = "(log unreadable: " + io + ")";
            }
            throw new AssertionError("daemon exited early:\n" + text, e);
        }
    }

    /** The cluster CA certificate this node created ({@code --tls}). */
    Path caCert() {
        return storage.resolve("tls").resolve("ca.crt");
    }

    static javax.net.ssl.SSLContext sslContextTrusting(Path caFile) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        ks.load(null, null);
        try (var in = Files.newInputStream(caFile)) {
            ks.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Starts the daemon again after its process ended (killed or stopped): same storage path, addresses and flags. */
    NodeProcess restart() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("daemon " + ipcAddress + " is still running (pid " + process.pid() + ")");
        }
        return start();
    }

    Process process() {
        return process;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.onExit().join();
        }
    }

    /** {@code Bearer <secret>} of the admin token this node wrote when it founded its cluster. */
    String bearerToken() {
        try {
            return "Bearer " + java.nio.file.Files.readString(storage.resolve("auth").resolve("admin.token")).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("node at " + storage + " has no admin token file", e);
        }
    }

    /**
     * The daemon's JDK 25 AOT cache for the process tests, as bin/galleonfs uses {@code galleon-node.aot} when it exists:
     * the tests start daemons a few hundred times, and with the cache a daemon is ready ~1 s sooner on a quiet machine
     * (4.0-4.8 s against 7.8-9.3 s after JVM start on this machine under load). Trained once per build of the node jar:
     * a daemon started with {@code -XX:AOTCacheOutput} serves a few real CLI calls and is stopped with SIGTERM, when
     * the JVM writes the cache. A failed training leaves the plain JVM (slower, not wrong); a cache that does not match
     * a daemon's options is ignored by the JVM.
     */
    static final class NodeJvm {
        static final List<String> OPTIONS = options();

        private static List<String> options() {
            Path cache = NODE_JAR.getParent().resolveSibling("galleon-node.it.aot");
            try {
                if (!Files.exists(cache) || Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(NODE_JAR)) < 0) {
                    train(cache);
                }
            } catch (Exception | AssertionError e) {
                System.err.println("node AOT cache not trained, daemons start without it: " + e);
            }
            return Files.exists(cache) ? List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off", "-Xlog:cds=off") : List.of();
        }

        private static void train(Path cache) throws Exception {
            Files.deleteIfExists(cache);
            Path dir = Files.createTempDirectory("galleon-aot-training");
            NodeProcess node = new NodeProcess(dir.resolve("node"), List.of());
            node.withAotCache = false;
            node.withJvmArgs("-XX:AOTCacheOutput=" + cache, "-Xlog:aot=off", "-Xlog:cds=off");
            try {
                node.start();
                CliRunner cli = new CliRunner(node.ipcAddress);
                cli.run("volume", "create", "--name", "training", "--size", "64M").ok();
                cli.run("volume", "list").ok();
                cli.run("volume", "get", "training", "-o", "json").ok();
                cli.run("volume", "snapshot", "create", "training", "--name", "s1").ok();
                cli.run("volume", "get", "no-such-volume"); // the error answer's path too
                node.process.destroy(); // SIGTERM: the JVM writes the cache as it exits
                if (!node.process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
                    Files.deleteIfExists(cache);
                }
            } finally {
                node.close();
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
