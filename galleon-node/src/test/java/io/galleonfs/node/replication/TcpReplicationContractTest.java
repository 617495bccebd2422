package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.ingress.IngressBudget;
import io.galleonfs.node.ingress.IngressLimits;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The replication contract on the node's real data plane: a {@link DataClient} on n1 and a {@link DataServer} per node
 * on its own loopback address (127.0.0.2, .3, .4), all in this JVM. Faults are played on the receiving side
 * ({@link FaultInjectingHandler}); refusing closes the node's listener (its connections with it) and healing reopens
 * it on the same address.
 */
class TcpReplicationContractTest extends ReplicationContract {
    private static int freePort(String host) throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    @Override
    ContractNetwork network(DataClient.IncarnationListener incarnations) {
        Vertx vertx = Vertx.vertx();
        DataClient client = new DataClient(vertx, "n1", 1, incarnations);
        IngressLimits limits = IngressLimits.defaults(Runtime.getRuntime().maxMemory());
        return new ContractNetwork() {
            private final Map<String, HostPort> addresses = new ConcurrentHashMap<>();
            private final Map<String, LinkFaults> faults = new ConcurrentHashMap<>();
            private final Map<String, FaultInjectingHandler> handlers = new ConcurrentHashMap<>();
            private final Map<String, DataServer> servers = new ConcurrentHashMap<>();
            private final Map<String, Long> incarnationOf = new ConcurrentHashMap<>();

            @Override
            public void register(String nodeId, long incarnation, DataRequestHandler handler) throws Exception {
                LinkFaults f = new LinkFaults();
                faults.put(nodeId, f);
                handlers.put(nodeId, new FaultInjectingHandler(f, handler));
                incarnationOf.put(nodeId, incarnation);
                String host = "127.0.0." + (2 + addresses.size());
                HostPort at = new HostPort(host, freePort(host));
                listen(nodeId, at);
                addresses.put(nodeId, at);
                f.onRefusal(refusing -> {
                    try {
                        if (refusing) {
                            servers.remove(nodeId).close();
                        } else {
                            listen(nodeId, addresses.get(nodeId));
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot " + (refusing ? "close" : "reopen") + " the listener of " + nodeId, e);
                    }
                });
            }

            private DataServer listen(String nodeId, HostPort at) throws Exception {
                DataServer s = new DataServer(vertx, nodeId, incarnationOf.get(nodeId), handlers.get(nodeId),
                        new IngressBudget("peer", limits.peerBudgetBytes()), limits);
                s.start(at);
                servers.put(nodeId, s);
                return s;
            }

            @Override
            public DataTransport transport() {
                return client;
            }

            @Override
            public HostPort address(String nodeId) {
                return addresses.get(nodeId);
            }

            @Override
            public LinkFaults faults(String nodeId) {
                return faults.get(nodeId);
            }

            @Override
            public List<DataMessage> delivered(String nodeId) {
                return List.copyOf(handlers.get(nodeId).delivered());
            }

            @Override
            public void clearDelivered(String nodeId) {
                handlers.get(nodeId).delivered().clear();
            }

            @Override
            public void close() throws Exception {
                handlers.values().forEach(FaultInjectingHandler::close);
                client.close();
                servers.values().forEach(DataServer::close);
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        };
    }
}
