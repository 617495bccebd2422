package io.galleonfs.cli;

import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.PeerInfo;
import io.galleonfs.api.VolumeMetrics;
import io.galleonfs.api.VolumeMetricsMerge;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Volume figures summed over the members of the cluster: each node meters the I/O that entered through it, so a volume
 * used through several nodes (clients on different nodes, forwarded I/O) is only whole in the sum. The members are
 * asked in parallel; one that does not answer is left out and named on stderr once, so the figures are then partial.
 */
final class ClusterMetrics {
    private final GalleonApi local;
    private final Map<String, GalleonApi> clients = new ConcurrentHashMap<>();
    private final java.util.Set<String> warned = ConcurrentHashMap.newKeySet();
    private List<PeerInfo> peers;

    ClusterMetrics(GalleonApi local) {
        this.local = local;
    }

    /** What every up member answers to {@code ask}; the answering node's own answer is required, the others' are best effort. */
    <T> List<T> fromEveryNode(Function<GalleonApi, T> ask) {
        if (peers == null) {
            peers = local.clusterPeers().stream().filter(p -> "up".equals(p.state()) && p.ipcAddress() != null).toList();
        }
        List<T> answers = new ArrayList<>();
        T own = ask.apply(local);
        answers.add(own);
        String self = GalleonCli.daemonAddress().replaceFirst("^https?://", "");
        List<PeerInfo> others = peers.stream().filter(p -> !p.ipcAddress().equals(self)).toList();
        List<T> remote = others.parallelStream().map(p -> {
            try {
                return ask.apply(clients.computeIfAbsent(p.ipcAddress(), a -> ApiClients.apiAt(a, 5)));
            } catch (RuntimeException e) {
                if (warned.add(p.id())) {
                    System.err.println("galleonfs: node " + p.id() + " at " + p.ipcAddress() + " did not answer (" + ErrorHandler.describe(e)
                            + "); its figures are left out");
                }
                return null;
            }
        }).toList();
        remote.stream().filter(java.util.Objects::nonNull).forEach(answers::add);
        return answers;
    }

    /** A volume's figures over the cluster. */
    VolumeMetrics volume(String ref) {
        return VolumeMetricsMerge.merge(fromEveryNode(api -> api.volumeMetrics(ref)));
    }
}
