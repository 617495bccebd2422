package io.galleonfs.node.cluster;

import io.galleonfs.node.config.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What the in-process cluster tests need to run members on real JGroups TCP over loopback. */
final class LoopbackMembers {
    private LoopbackMembers() {
    }

    static HostPort freeAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new HostPort("127.0.0.1", s.getLocalPort());
        }
    }

    /** Settings of member {@code id} with its Raft state under {@code dir}, discovering {@code peers} by TCPPING. */
    static ClusterSettings settings(Path dir, String id, String clusterName, HostPort bind, List<HostPort> peers, Duration joinTimeout) {
        return new ClusterSettings(id, clusterName, bind, peers, "tcpping", null, dir, Duration.ofSeconds(5), joinTimeout,
                Duration.ofSeconds(1), bind);
    }

    static ControlMessage.Heartbeat heartbeat(String id) {
        return new ControlMessage.Heartbeat(id, 0, 0, 0, System.currentTimeMillis(), 0, 0, 0, 0);
    }
}
