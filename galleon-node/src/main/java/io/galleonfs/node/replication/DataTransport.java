package io.galleonfs.node.replication;

import io.galleonfs.node.config.HostPort;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The client side of the node-to-node data plane, as replication uses it: {@link DataClient} over TCP in a node, an
 * in-process transport in tests. Requests sent to one node from one thread (or under one lock) arrive in call order.
 */
public interface DataTransport {
    /** Sends {@code request}; the future completes with the response or fails with an {@link IOException}. */
    CompletableFuture<DataMessage.Response> send(HostPort to, DataMessage.Request request, Duration timeout);

    /** Sends and waits; a {@link DataMessage.Failure} response becomes a {@link DataClient.RemoteException}. */
    default DataMessage.Response call(HostPort to, DataMessage.Request request, Duration timeout) throws IOException {
        return DataClient.await(send(to, request, timeout));
    }

    /** Drops the connection to a node, failing what is pending on it (the next send starts a clean stream). */
    void disconnect(HostPort to);
}
