package io.galleonfs.node.replication;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The receiving side's half of {@link LinkFaults} on a real {@link DataServer}: requests pass one delivery thread in
 * arrival order (so a stall holds everything behind it, as on the in-memory transport), then are dropped, answered
 * with an injected failure, or handed to the node's handler. Never blocks the event loop that calls it.
 */
final class FaultInjectingHandler implements DataRequestHandler, AutoCloseable {
    private final LinkFaults faults;
    private final DataRequestHandler inner;
    private final List<DataMessage> delivered = new CopyOnWriteArrayList<>();
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("fault-delivery").factory());

    FaultInjectingHandler(LinkFaults faults, DataRequestHandler inner) {
        this.faults = faults;
        this.inner = inner;
    }

    List<DataMessage> delivered() {
        return delivered;
    }

    @Override
    public CompletionStage<DataMessage.Response> handle(String peerNodeId, DataMessage.Request request) {
        CompletableFuture<DataMessage.Response> reply = new CompletableFuture<>();
        delivery.execute(() -> {
            try {
                faults.beforeDelivery();
            } catch (InterruptedException e) {
                return;
            }
            // Refusing: the listener is closing this connection; a dropped request is never answered.
            if (faults.refusing() || faults.drops(request)) {
                return;
            }
            delivered.add(request);
            DataMessage.ErrorCode code = faults.answerFor(request);
            if (code != null) {
                reply.complete(new DataMessage.Failure(code, "injected " + code));
                return;
            }
            inner.handle(peerNodeId, request).whenComplete((m, e) -> reply.complete(e != null ? ReplicaApplier.failure(e) : m));
        });
        return reply;
    }

    @Override
    public void close() {
        faults.release();
        delivery.shutdownNow();
    }
}
