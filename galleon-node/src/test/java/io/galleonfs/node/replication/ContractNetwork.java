package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import java.util.List;

/**
 * The data plane a {@link ReplicationContract} runs on: node n1 sends through {@link #transport()}, every registered
 * node serves what reaches it with its handler, and per destination node {@link LinkFaults} injects failures.
 */
interface ContractNetwork extends AutoCloseable {
    /** Makes {@code nodeId} reachable; its handler serves what is sent there. */
    void register(String nodeId, long incarnation, DataRequestHandler handler) throws Exception;

    /** The primary's (n1's) client; it reports the incarnation each connection's HELLO carries to the listener given at creation. */
    DataTransport transport();

    HostPort address(String nodeId);

    LinkFaults faults(String nodeId);

    /** Requests the handler of {@code nodeId} received, in delivery order (dropped and refused ones are not there). */
    List<DataMessage> delivered(String nodeId);

    void clearDelivered(String nodeId);

    @Override
    void close() throws Exception;
}
