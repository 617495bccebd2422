package io.galleonfs.node.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.config.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jgroups.protocols.raft.RAFT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftProtocolTest {

    @Test
    void theRaftLogIsFsyncedBeforeAnEntryCounts(@TempDir Path dir) throws Exception {
        ClusterSettings settings = new ClusterSettings("node-1", ClusterSettings.DEFAULT_NAME, HostPort.parse("bind", "127.0.0.1:7800"),
                List.of(), "tcpping", null, dir, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(1),
                HostPort.parse("bind", "127.0.0.1:7800"));
        RAFT raft = ClusterNode.raftProtocol(List.of("node-1"), settings);
        // The getter asks the log, which exists only once the channel is connected; the setting is in this field until then.
        java.lang.reflect.Field useFsync = RAFT.class.getDeclaredField("_log_use_fsync");
        useFsync.setAccessible(true);
        assertTrue(useFsync.getBoolean(raft), "an acknowledged metadata change must survive a power loss on a majority");
    }
}
