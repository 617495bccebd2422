package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * What a node forwarding client I/O to a volume's primary needs: the volume's current record (whose primary it names),
 * how to reach that node's data plane, and the local path for when the primary moved here. {@link ReplicationService}
 * provides it in a node; tests give {@link ForwardedVolumeIo} a transport whose answers they control.
 */
interface ForwardingRoutes {
    /** The volume as metadata knows it now; empty once it was deleted. */
    Optional<VolumeRecord> volume(UUID id);

    /**
     * What {@link #volume} and {@link #dataAddress} answer from: the same object as long as their answers stay the same
     * (the published metadata state), so a caller may keep them until it changes; null when there is no such token.
     */
    default Object metadataVersion() {
        return null;
    }

    /** This node's id. */
    String nodeId();

    /** The data-plane address of a node, when it has registered one. */
    Optional<HostPort> dataAddress(String nodeId);

    DataTransport transport();

    /** How long one forwarded request may wait for its answer. */
    Duration timeout();

    /** Serves a request as this node, the volume's primary now. */
    DataMessage.Response serveLocally(DataMessage.Request request) throws IOException;
}
