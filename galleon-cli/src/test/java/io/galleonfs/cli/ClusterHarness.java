package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A cluster of real GalleonFS daemons for multi-process tests. Node {@code i} (1-based) listens on its own loopback
 * host {@code 127.0.0.(i+1)}: bind (JGroups) port {@value #BIND_PORT}, FD_SOCK2 on bind port + 100, API port
 * {@value #IPC_PORT}; each has its own storage directory under one temp directory. Nodes can be killed (SIGKILL),
 * frozen (SIGSTOP) and thawed (SIGCONT), and restarted on the same storage path. All waiting is on conditions read
 * from the REST API. {@link #close()} kills every daemon, keeps their logs under {@code target/cluster-it-logs} and
 * deletes the temp directory; a shutdown hook does the killing too if the test JVM dies first.
 */
final class ClusterHarness implements AutoCloseable {
    static final int BIND_PORT = 7081;
    static final int IPC_PORT = 7091;
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Path LOG_DIR = Path.of("target/cluster-it-logs").toAbsolutePath();

    private final Path root;
    private final Map<Integer, Node> nodes = new TreeMap<>();
    private final List<Node> discarded = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();
    private final Thread shutdownHook = new Thread(this::killAll, "cluster-harness-cleanup");
    /** The admin token of the cluster node 1 founded; members that joined it hold no token file of their own. */
    private volatile String clusterToken;
    /** Where node i listens and what its command starts with: loopback hosts by default, network namespaces in PartitionIT. */
    private final java.util.function.IntFunction<String> hostOf;
    private final java.util.function.IntFunction<List<String>> launchPrefixOf;
    /** The test class using this harness: its nodes' logs are kept as {@code <class>-node<i>.log} (CI prints a failed one's). */
    private final String owner = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
            .walk(frames -> frames.map(StackWalker.StackFrame::getDeclaringClass).filter(c -> c != ClusterHarness.class)
                    .findFirst().map(Class::getSimpleName).orElse("cluster"));

    ClusterHarness() throws IOException {
        this(ClusterHarness::host, i -> List.of());
    }

    /** Nodes on the given hosts, each daemon started under its launch prefix (e.g. {@code ip netns exec NS}). */
    ClusterHarness(java.util.function.IntFunction<String> hostOf, java.util.function.IntFunction<List<String>> launchPrefixOf) throws IOException {
        this.hostOf = hostOf;
        this.launchPrefixOf = launchPrefixOf;
        root = Files.createTempDirectory("galleon-cluster");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static String host(int index) {
        if (index < 1 || index > 250) {
            throw new IllegalArgumentException("node index " + index);
        }
        return "127.0.0." + (index + 1);
    }

    /** One daemon of the cluster; its id is read from the API once it is up. */
    final class Node {
        final int index;
        final NodeProcess process;
        volatile String id;
        volatile boolean paused;

        Node(int index, NodeProcess process) {
            this.index = index;
            this.process = process;
        }

        String ipc() {
            return process.ipcAddress;
        }

        String bind() {
            return process.bindAddress;
        }

        CliRunner cli() {
            return new CliRunner(process.ipcAddress, () -> token(this));
        }

        boolean alive() {
            return process.process() != null && process.process().isAlive();
        }

        /** Alive and not frozen: it answers the API. */
        boolean running() {
            return alive() && !paused;
        }

        long pid() {
            return process.pid();
        }

        @Override
        public String toString() {
            return "node" + index + "(" + hostOf.apply(index) + (id == null ? "" : ", " + id.substring(0, 8)) + ")";
        }
    }

    // ---------------------------------------------------------------- starting

    /** Starts node 1 (it founds the cluster), then nodes 2..n in parallel joining through node 1; waits until formed. */
    List<Node> startCluster(int n, String... extraArgs) throws IOException {
        Node first = create(1, List.of(extraArgs));
        first.process.start();
        clusterToken = ownToken(first).orElseThrow(() -> new AssertionError("the founder wrote no admin token"));
        first.id = status(first).get("this_node").asText();
        List<Node> others = new ArrayList<>();
        for (int i = 2; i <= n; i++) {
            List<String> args = new ArrayList<>(List.of("--peer-addresses", first.bind()));
            args.addAll(List.of(extraArgs));
            others.add(create(i, args));
        }
        startAll(others, NodeProcess::start);
        List<Node> all = nodes();
        awaitFormed(all, Duration.ofSeconds(60));
        return all;
    }

    /** Starts a separate daemon on host {@code 127.0.0.(index+1)} with the given extra flags (no peers: it founds its own cluster). */
    Node startNode(int index, String... extraArgs) throws IOException {
        Node node = create(index, List.of(extraArgs));
        node.process.start();
        node.id = status(node).get("this_node").asText();
        return node;
    }

    /** Flags for node {@code index} only, after the shared ones (e.g. an address on the node's own host). */
    private java.util.function.IntFunction<List<String>> argsOf = i -> List.of();

    /** Gives each node started from now on the flags {@code argsOf} returns for its index, besides the shared ones. */
    ClusterHarness withNodeArgs(java.util.function.IntFunction<List<String>> argsOf) {
        this.argsOf = argsOf;
        return this;
    }

    private Node create(int index, List<String> extraArgs) {
        if (nodes.containsKey(index)) {
            throw new IllegalStateException("node " + index + " exists already");
        }
        String host = hostOf.apply(index);
        List<String> args = new ArrayList<>(extraArgs);
        args.addAll(argsOf.apply(index));
        NodeProcess p = new NodeProcess(root.resolve("node" + index), host + ":" + IPC_PORT, host + ":" + BIND_PORT, args)
                .withLaunchPrefix(launchPrefixOf.apply(index));
        Node node = new Node(index, p);
        nodes.put(index, node);
        return node;
    }

    private interface Starter {
        void start(NodeProcess p) throws IOException;
    }

    private void startAll(Collection<Node> toStart, Starter starter) {
        List<CompletableFuture<Void>> starts = toStart.stream().map(node -> CompletableFuture.runAsync(() -> {
            try {
                starter.start(node.process);
                String id = status(node).get("this_node").asText();
                if (node.id != null && !node.id.equals(id)) {
                    throw new AssertionError(node + " came back with another node id " + id);
                }
                node.id = id;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })).toList();
        try {
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Restarts dead nodes (in parallel) on their storage paths with their original flags; waits until each API is ready. */
    void restart(Node... dead) {
        startAll(List.of(dead), NodeProcess::restart);
    }

    // ---------------------------------------------------------------- faults

    /** kill -9: the process dies at once, without any shutdown hook. */
    void kill(Node node) {
        signal(node, "KILL");
        try {
            node.process.process().onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(node + " did not die after SIGKILL", e);
        }
        node.paused = false;
    }

    /** SIGTERM: a graceful stop, as an operator's restart or a supervisor does it; waits until the process has exited. */
    void stop(Node node) {
        signal(node, "TERM");
        try {
            node.process.process().onExit().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(node + " did not exit within 60 s of SIGTERM", e);
        }
    }

    /** Kills a node and forgets it (its log is kept): {@link #heal()} no longer restarts it. */
    void discard(Node node) {
        if (node.alive()) {
            kill(node);
        }
        nodes.remove(node.index, node);
        discarded.add(node);
    }

    /** SIGSTOP: the process freezes with its sockets open, like a node behind a partition or in a long pause. */
    void pause(Node node) {
        signal(node, "STOP");
        node.paused = true;
        await("SIGSTOP of " + node).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> processState(node.pid()) == 'T');
    }

    /** SIGCONT: a frozen process runs again. */
    void resume(Node node) {
        signal(node, "CONT");
        await("SIGCONT of " + node).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> processState(node.pid()) != 'T');
        node.paused = false;
    }

    private static void signal(Node node, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + signal + " " + node.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The state letter of /proc/PID/stat: R, S, D, T (stopped), Z ... */
    private static char processState(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
    }

    /** Thaws frozen nodes, restarts dead ones, and waits until every node agrees on one leader with all members up. */
    void heal() {
        List<Node> all = nodes();
        all.stream().filter(n -> n.alive() && n.paused).forEach(this::resume);
        Node[] dead = all.stream().filter(n -> !n.alive()).toArray(Node[]::new);
        if (dead.length > 0) {
            restart(dead);
        }
        awaitFormed(all, Duration.ofSeconds(60));
    }

    // ---------------------------------------------------------------- REST API

    /**
     * The token to talk to a node: its own bootstrap admin token while it has one (it founded the cluster it is in: node
     * 1, a separately started node, a node that left), else node 1's cluster's (a node that joins drops its own).
     */
    String token(Node node) {
        return ownToken(node).orElse(clusterToken);
    }

    private static java.util.Optional<String> ownToken(Node node) {
        Path file = node.process.storage.resolve("auth").resolve("admin.token");
        try {
            return Files.isRegularFile(file) ? java.util.Optional.of(Files.readString(file).strip()) : java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** A request to a node's API with its token. */
    HttpRequest.Builder request(Node node, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + node.ipc() + path));
        String t = token(node);
        return t == null ? b : b.header("Authorization", "Bearer " + t);
    }

    JsonNode status(Node node) {
        return getJson(node, "/api/v1/cluster/status");
    }

    List<String> volumeNames(Node node) {
        List<String> names = new ArrayList<>();
        getJson(node, "/api/v1/volumes").forEach(v -> names.add(v.get("name").asText()));
        return names.stream().sorted().toList();
    }

    JsonNode getJson(Node node, String path) {
        HttpRequest get = request(node, path).timeout(Duration.ofSeconds(3)).build();
        try {
            HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET " + path + " on " + node + ": HTTP " + r.statusCode() + " " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(node + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** POST /api/v1/volumes for a 10M volume; returns the response whatever its status. */
    HttpResponse<String> createVolume(Node node, String name) {
        return send(node, "POST", "/api/v1/volumes", "{\"name\":\"" + name + "\",\"size\":\"10M\"}");
    }

    HttpResponse<String> deleteVolume(Node node, String name) {
        return send(node, "DELETE", "/api/v1/volumes/" + name, null);
    }

    HttpResponse<String> send(Node node, String method, String path, String body) {
        HttpRequest.Builder b = request(node, path).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(node + ": " + method + " " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ---------------------------------------------------------------- cluster views

    List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    Node node(int index) {
        return Objects.requireNonNull(nodes.get(index), () -> "no node " + index);
    }

    Optional<Node> byId(String id) {
        return nodes.values().stream().filter(n -> id != null && id.equals(n.id)).findFirst();
    }

    /** The leader as the given node sees it (empty when it knows none). */
    Optional<Node> leaderSeenBy(Node node) {
        JsonNode leader = status(node).get("leader");
        return leader == null || leader.isNull() ? Optional.empty() : byId(leader.asText());
    }

    /** Member id to state (up, suspect, down) as the given node reports it. */
    static Map<String, String> memberStates(JsonNode status) {
        Map<String, String> states = new TreeMap<>();
        status.get("members").forEach(m -> states.put(m.get("id").asText(), m.get("state").asText()));
        return states;
    }

    /** Ids of the Raft voters in the given status. */
    static Set<String> voters(JsonNode status) {
        Set<String> ids = new java.util.TreeSet<>();
        status.get("members").forEach(m -> {
            if (m.get("voter").asBoolean()) {
                ids.add(m.get("id").asText());
            }
        });
        return ids;
    }

    static Set<String> ids(Collection<Node> nodes) {
        return nodes.stream().map(n -> n.id).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /**
     * Waits until every given node reports the same leader (one of them) and cluster id, and exactly the given nodes
     * as members, all up and voters.
     */
    void awaitFormed(Collection<Node> members, Duration atMost) {
        Set<String> expected = ids(members);
        Map<Node, String> seen = new java.util.concurrent.ConcurrentHashMap<>();
        awaitOrExplain("cluster of " + members + " formed", atMost, seen, () -> {
            Set<String> leaders = new java.util.HashSet<>();
            Set<String> clusterIds = new java.util.HashSet<>();
            boolean formed = true;
            for (Node n : members) {
                JsonNode s = observe(n, seen, this::summary);
                if (s == null) {
                    formed = false;
                    continue;
                }
                Map<String, String> states = memberStates(s);
                if (!states.keySet().equals(expected) || states.values().stream().anyMatch(st -> !st.equals("up"))
                        || !voters(s).equals(expected) || s.get("leader").isNull() || s.get("cluster_id").isNull()) {
                    formed = false;
                }
                leaders.add(s.get("leader").asText());
                clusterIds.add(s.get("cluster_id").asText());
            }
            return formed && leaders.size() == 1 && expected.containsAll(leaders) && clusterIds.size() == 1;
        });
    }

    /** One line per node for failure messages: leader, term, commit index, members (state, voter). */
    private String summary(JsonNode s) {
        StringBuilder b = new StringBuilder("cluster=").append(shortId(s.get("cluster_id"))).append(" leader=")
                .append(shortId(s.get("leader"))).append(" term=").append(s.get("term")).append(" commit=")
                .append(s.get("commit_index")).append(" members=[");
        s.get("members").forEach(m -> b.append(shortId(m.get("id"))).append(':').append(m.get("state").asText())
                .append(m.get("voter").asBoolean() ? "" : "(non-voter)").append(' '));
        return b.append(']').toString();
    }

    private static String shortId(JsonNode id) {
        return id == null || id.isNull() ? "none" : id.asText().substring(0, Math.min(8, id.asText().length()));
    }

    /** Reads a node's status, remembering what was seen (or why not) for the failure message; null when unreadable. */
    private JsonNode observe(Node n, Map<Node, String> seen, java.util.function.Function<JsonNode, String> describe) {
        try {
            JsonNode s = status(n);
            seen.put(n, describe.apply(s));
            return s;
        } catch (RuntimeException | AssertionError e) {
            seen.put(n, "unreadable: " + e.getMessage());
            return null;
        }
    }

    private void awaitOrExplain(String what, Duration atMost, Map<Node, String> seen, java.util.concurrent.Callable<Boolean> done) {
        try {
            await(what).atMost(atMost).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(done);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder b = new StringBuilder(what + ": not within " + atMost.toSeconds() + " s; last seen:");
            seen.entrySet().stream().sorted(Comparator.comparingInt(x -> x.getKey().index))
                    .forEach(x -> b.append("\n  ").append(x.getKey()).append(": ").append(x.getValue()));
            throw new AssertionError(b.toString(), e);
        }
    }

    /** Waits until {@code observer} reports {@code subject} in the given state (up, suspect or down). */
    void awaitMemberState(Node observer, Node subject, String state, Duration atMost) {
        await(observer + " sees " + subject + " " + state).atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> state.equals(memberStates(status(observer)).get(subject.id)));
    }

    /** Waits until all given nodes list the same volumes and report the same commit index; returns the volume names. */
    List<String> awaitConverged(Collection<Node> members, Duration atMost) {
        Map<Node, String> seen = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Node, List<String>> lists = new java.util.concurrent.ConcurrentHashMap<>();
        awaitOrExplain("volumes and commit index converged on " + members, atMost, seen, () -> {
            Set<Long> commits = new java.util.HashSet<>();
            lists.clear();
            for (Node n : members) {
                JsonNode s = observe(n, seen, st -> "commit=" + st.get("commit_index"));
                if (s == null) {
                    return false;
                }
                commits.add(s.get("commit_index").asLong());
                lists.put(n, volumeNames(n));
                seen.put(n, seen.get(n) + " volumes=" + lists.get(n));
            }
            return commits.size() == 1 && Set.copyOf(lists.values()).size() == 1;
        });
        return lists.values().iterator().next();
    }

    // ---------------------------------------------------------------- cleanup

    private void killAll() {
        List<Node> everyNode = new ArrayList<>(nodes.values());
        everyNode.addAll(discarded);
        for (Node n : everyNode) {
            Process p = n.process.process();
            if (p != null && p.isAlive()) {
                p.destroyForcibly(); // SIGKILL, which also ends a SIGSTOPped process
            }
        }
        for (Node n : everyNode) {
            Process p = n.process.process();
            if (p != null) {
                p.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
            }
        }
    }

    /** Kills every daemon, copies their logs to target/cluster-it-logs, deletes the temp directory. */
    @Override
    public void close() {
        try {
            killAll();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            keepLogs();
            deleteTree(root);
        }
    }

    private void keepLogs() {
        try (Stream<Path> files = Files.list(root)) {
            Files.createDirectories(LOG_DIR);
            for (Path log : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                Files.copy(log, LOG_DIR.resolve(owner + "-" + log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("cluster harness: could not keep the node logs: " + e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("cluster harness: could not delete " + dir + ": " + e);
        }
    }
}
