package io.galleonfs.cli;

import io.galleonfs.api.ClusterStatus;
import io.galleonfs.api.JoinRequest;
import io.galleonfs.api.PeerInfo;
import io.galleonfs.api.Sizes;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code galleonfs cluster <command>}. */
@Subcommands({ClusterCommand.Status.class, ClusterCommand.Peers.class, ClusterCommand.Join.class,
    ClusterCommand.Leave.class, ClusterCommand.JoinToken.class})
@Command(name = "cluster", description = "Inspect and change cluster membership", mixinStandardHelpOptions = true)
public class ClusterCommand {

    @Command(name = "status", description = "Show cluster status and node information", mixinStandardHelpOptions = true)
    static class Status implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            ClusterStatus s = ApiClients.api().clusterStatus();
            Printer.print(System.out, out.format(), s, o -> printStatus(o, s));
        }
    }

    @Command(name = "peers", description = "List all peers in the cluster", mixinStandardHelpOptions = true)
    static class Peers implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            List<PeerInfo> peers = ApiClients.api().clusterPeers();
            Printer.print(System.out, out.format(), peers, o -> printPeers(o, peers));
        }
    }

    @Command(name = "join", description = "Join an existing cluster via peer address (only an empty node can join)",
            mixinStandardHelpOptions = true)
    static class Join implements Runnable {
        @Parameters(paramLabel = "ADDR", description = "Bind address (HOST:PORT) of a member of the cluster to join")
        String address;
        @Option(names = "--cluster-name", description = "Name of the cluster to join (default galleonfs; see cluster status)")
        String clusterName;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            ClusterStatus s = ApiClients.api().joinCluster(new JoinRequest(address, clusterName));
            Printer.print(System.out, out.format(), s, o -> {
                o.println("Joined cluster " + s.clusterId() + " through " + address);
                printStatus(o, s);
            });
        }
    }

    @Command(name = "leave", description = "Leave the current cluster", mixinStandardHelpOptions = true)
    static class Leave implements Runnable {
        static final long LEAVE_ANSWER_SECONDS = 12 * 60;
        @Option(names = {"-f", "--force"}, description = "Leave even though this node holds replicas (they become unavailable)")
        boolean force;
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            // A graceful leave waits up to 10 minutes for its copies to be rebuilt elsewhere, then for its removal.
            ClusterStatus s = ApiClients.api(LEAVE_ANSWER_SECONDS).leaveCluster(force);
            Printer.print(System.out, out.format(), s, o -> o.println("Left the cluster; this node now forms cluster " + s.clusterId()));
        }
    }

    static void printStatus(PrintStream o, ClusterStatus s) {
        Printer.fields(o,
                "Cluster ID", s.clusterId(),
                "Cluster name", s.clusterName(),
                "Leader", s.leader() == null ? "none (no majority reachable)" : s.leader(),
                "This node", s.thisNode(),
                "Role", s.role(),
                "Raft term", s.term(),
                "Commit index", s.commitIndex(),
                "Last applied", s.lastApplied(),
                "Members", s.members().size() + " (" + s.members().stream().filter(m -> m.state().equals("up")).count() + " up)");
        o.println();
        printPeers(o, s.members());
    }

    static void printPeers(PrintStream o, List<PeerInfo> peers) {
        Printer.Table t = new Printer.Table("ID", "STATE", "ROLE", "BIND", "API", "ZONE", "FREE", "RESERVE", "OVERCOMMIT",
                "REPLICAS", "IOPS", "MB/S");
        for (PeerInfo p : peers) {
            t.row(p.id(), p.state(), p.leader() ? "leader" : p.voter() ? "follower" : "non-voter", p.bindAddress(), p.ipcAddress(),
                    p.zone(), p.freeBytes() == 0 ? "-" : Sizes.format(p.freeBytes()),
                    p.reservedBytes() == 0 ? "-" : Sizes.format(p.reservedBytes()),
                    p.capacityBytes() == 0 ? "-" : String.format(java.util.Locale.ROOT, "%.2fx", p.overcommitRatio()),
                    p.replicaCount(), p.capacityIops() == 0 ? "-" : p.capacityIops(), p.capacityMbps() == 0 ? "-" : p.capacityMbps());
        }
        t.print(o);
    }

    @Subcommands({JoinToken.Create.class})
    @Command(name = "join-token", description = "Join tokens: once one exists, new nodes need one to join (admin only)",
            mixinStandardHelpOptions = true)
    static class JoinToken {
        @Command(name = "create", description = "Create a join token; it is printed once", mixinStandardHelpOptions = true)
        static class Create implements Runnable {
            @picocli.CommandLine.Option(names = "--ttl", description = "How long it admits nodes, e.g. 30m, 1h, 1d [default: 1h]")
            String ttl;

            @Override
            public void run() {
                io.galleonfs.api.JoinTokenInfo t = ApiClients.api().createJoinToken(new io.galleonfs.api.CreateJoinTokenRequest(ttl));
                System.out.println(t.token());
                System.err.println("Join token created (expires " + t.expiresAt() + "); start new nodes with GALLEONFS_JOIN_TOKEN=<token>"
                        + " or --join-token <token>. From now on this cluster refuses nodes without one.");
            }
        }
    }
}
