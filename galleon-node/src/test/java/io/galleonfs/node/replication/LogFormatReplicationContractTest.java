package io.galleonfs.node.replication;

import io.galleonfs.engine.StorageFormat;

/**
 * The whole replication contract (delta resync and rebuild from the allocated/changed block maps, snapshots on the data
 * plane, scrub, repair on read, crash of the primary) with every node's engine on the log-structured store.
 */
class LogFormatReplicationContractTest extends InMemoryReplicationContractTest {
    @Override
    String engineFormat() {
        return StorageFormat.LOG_V1;
    }
}
