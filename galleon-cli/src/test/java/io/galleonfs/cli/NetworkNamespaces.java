package io.galleonfs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A private network for multi-process tests: one Linux network namespace per node, each with a veth pair whose other
 * end is a port of one bridge in the test's own namespace. Node i has address {@code 10.231.S.i/24} (S from the test
 * JVM's pid), the bridge {@code .254}, so the test reaches every node's API while the nodes reach each other only
 * through the bridge. {@link #isolate} cuts a node off from chosen peers by dropping their packets inside its namespace
 * (nftables input and output rules: silent loss, as a failed switch port or a firewall does, not a reset), while the
 * test can still talk to it. {@link #close()} deletes the namespaces and the bridge; a shutdown hook does it too.
 *
 * <p>Needs root, {@code ip} (iproute2) and {@code nft} (nftables); {@link #unavailableReason()} says why not.
 */
final class NetworkNamespaces implements AutoCloseable {
    private static final String TABLE = "galleon_partition";

    private final long tag = ProcessHandle.current().pid() % 100_000;
    private final String subnet = "10.231." + (ProcessHandle.current().pid() % 250);
    private final String bridge = "gbr" + tag;
    private final int nodes;
    private final List<String> created = new ArrayList<>();
    private final Thread cleanup = new Thread(this::deleteAll, "netns-cleanup");

    /** Why these tests cannot run here (not root, no ip or nft), or empty. */
    static Optional<String> unavailableReason() {
        try {
            Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!"0".equals(uid)) {
                return Optional.of("network namespaces need root (uid " + uid + ")");
            }
            for (String tool : List.of("ip", "nft")) {
                Process which = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
                if (which.waitFor() != 0) {
                    return Optional.of("'" + tool + "' is not installed (bin/test-deps installs iproute2 and nftables)");
                }
            }
            // Root in a container without CAP_NET_ADMIN cannot make namespaces: say so instead of failing the set-up.
            String probe = "galleon-probe-" + ProcessHandle.current().pid();
            try {
                run("ip", "netns", "add", probe);
            } catch (IOException e) {
                return Optional.of("cannot create network namespaces here: " + e.getMessage());
            }
            run("ip", "netns", "del", probe);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot check for network namespaces: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    NetworkNamespaces(int nodes) throws IOException {
        this.nodes = nodes;
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            run("ip", "link", "add", bridge, "type", "bridge");
            created.add("link:" + bridge);
            run("ip", "addr", "add", subnet + ".254/24", "dev", bridge);
            run("ip", "link", "set", bridge, "up");
            for (int i = 1; i <= nodes; i++) {
                String ns = namespace(i);
                run("ip", "netns", "add", ns);
                created.add("netns:" + ns);
                String outer = "gv" + tag + "h" + i;
                String inner = "gv" + tag + "n" + i;
                run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner);
                run("ip", "link", "set", inner, "netns", ns);
                run("ip", "link", "set", outer, "master", bridge);
                run("ip", "link", "set", outer, "up");
                run("ip", "netns", "exec", ns, "ip", "addr", "add", host(i) + "/24", "dev", inner);
                run("ip", "netns", "exec", ns, "ip", "link", "set", inner, "up");
                run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    String namespace(int node) {
        return "galleon-" + tag + "-n" + node;
    }

    /** The node's address inside its namespace. */
    String host(int node) {
        if (node < 1 || node > nodes) {
            throw new IllegalArgumentException("node " + node + " of " + nodes);
        }
        return subnet + "." + node;
    }

    /** The words that run a command inside node i's namespace ({@code ip netns exec} execs it: same pid). */
    List<String> launchPrefix(int node) {
        return List.of("ip", "netns", "exec", namespace(node));
    }

    /** Drops every packet between {@code node} and the given peers, both ways; the bridge's own address stays reachable. */
    void isolate(int node, int... peers) throws IOException {
        StringBuilder set = new StringBuilder();
        for (int p : peers) {
            set.append(set.isEmpty() ? "" : ", ").append(host(p));
        }
        String rules = "table inet " + TABLE + " {\n"
                + "  chain in { type filter hook input priority 0; policy accept; ip saddr { " + set + " } drop; }\n"
                + "  chain out { type filter hook output priority 0; policy accept; ip daddr { " + set + " } drop; }\n"
                + "}\n";
        runWithInput(rules, "ip", "netns", "exec", namespace(node), "nft", "-f", "-");
    }

    /** Removes what {@link #isolate} added for the node. */
    void reconnect(int node) throws IOException {
        run("ip", "netns", "exec", namespace(node), "nft", "delete", "table", "inet", TABLE);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        deleteAll();
    }

    /** Deleting a namespace deletes its veth end, and with it the pair; then the bridge goes. */
    private synchronized void deleteAll() {
        for (int i = created.size() - 1; i >= 0; i--) {
            String what = created.get(i);
            try {
                if (what.startsWith("netns:")) {
                    run("ip", "netns", "del", what.substring(6));
                } else {
                    run("ip", "link", "del", what.substring(5));
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("network namespaces: could not delete " + what + ": " + e.getMessage());
            }
        }
        created.clear();
    }

    private static void run(String... command) throws IOException {
        runWithInput(null, command);
    }

    private static void runWithInput(String input, String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": no exit within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + output);
        }
    }
}
