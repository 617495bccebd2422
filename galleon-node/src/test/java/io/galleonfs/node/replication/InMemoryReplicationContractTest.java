package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import java.util.List;

/** The replication contract on the in-memory transport. */
class InMemoryReplicationContractTest extends ReplicationContract {
    @Override
    ContractNetwork network(DataClient.IncarnationListener incarnations) {
        InMemoryTransport t = new InMemoryTransport("n1", incarnations);
        return new ContractNetwork() {
            private int port = 7000;

            @Override
            public void register(String nodeId, long incarnation, DataRequestHandler handler) {
                t.register(nodeId, new HostPort("127.0.0.1", ++port), incarnation, handler);
            }

            @Override
            public DataTransport transport() {
                return t;
            }

            @Override
            public HostPort address(String nodeId) {
                return t.address(nodeId);
            }

            @Override
            public LinkFaults faults(String nodeId) {
                return t.faults(nodeId);
            }

            @Override
            public List<DataMessage> delivered(String nodeId) {
                return t.delivered(nodeId);
            }

            @Override
            public void clearDelivered(String nodeId) {
                t.clearDelivered(nodeId);
            }

            @Override
            public void close() {
                t.close();
            }
        };
    }
}
