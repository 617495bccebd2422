package io.galleonfs.node.cluster;

import io.galleonfs.node.config.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How this node takes part in the cluster. JGroups listens on the bind address itself (it is the cluster service
 * peers reach); {@code peers} are other members' bind addresses. {@code discovery} is tcpping (default: the peers
 * list), multicast (MPING, for LANs) or dns (DNS_PING with {@code dnsQuery}, for Kubernetes headless services).
 * {@code clusterName} is the JGroups cluster name used when this node has none persisted yet: nodes only discover
 * and merge with nodes of the same name, so a node that left a cluster takes a new name and is never pulled back.
 * {@code advertised} is the address peers are told to connect to (differs from {@code bind} for a 0.0.0.0 bind).
 */
public record ClusterSettings(String nodeId, String clusterName, HostPort bind, List<HostPort> peers, String discovery,
                              String dnsQuery, Path dir, Duration metadataTimeout, Duration joinTimeout,
                              Duration heartbeatInterval, HostPort advertised, String joinToken) {
    /** The JGroups cluster name of clusters founded or joined without naming one. */
    public static final String DEFAULT_NAME = "galleonfs";

    /** Settings of a node started without a join token. */
    public ClusterSettings(String nodeId, String clusterName, HostPort bind, List<HostPort> peers, String discovery,
                           String dnsQuery, Path dir, Duration metadataTimeout, Duration joinTimeout, Duration heartbeatInterval,
                           HostPort advertised) {
        this(nodeId, clusterName, bind, peers, discovery, dnsQuery, dir, metadataTimeout, joinTimeout, heartbeatInterval, advertised, null);
    }

    @Override
    public String toString() {
        // never print the join secret
        return "ClusterSettings[nodeId=" + nodeId + ", clusterName=" + clusterName + ", bind=" + bind + ", peers=" + peers + "]";
    }
}
