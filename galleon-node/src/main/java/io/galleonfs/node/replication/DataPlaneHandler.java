package io.galleonfs.node.replication;

import io.galleonfs.node.replication.DataMessage.BlockRead;
import io.galleonfs.node.replication.DataMessage.ChecksumRequest;
import io.galleonfs.node.replication.DataMessage.ClientFlush;
import io.galleonfs.node.replication.DataMessage.ClientRead;
import io.galleonfs.node.replication.DataMessage.ClientTrim;
import io.galleonfs.node.replication.DataMessage.ClientWrite;
import io.galleonfs.node.replication.DataMessage.Data;
import io.galleonfs.node.replication.DataMessage.ErrorCode;
import io.galleonfs.node.replication.DataMessage.Failure;
import io.galleonfs.node.replication.DataMessage.Hello;
import io.galleonfs.node.replication.DataMessage.MetricsRequest;
import io.galleonfs.node.replication.DataMessage.Ok;
import io.galleonfs.node.replication.DataMessage.ReplicaOp;
import io.galleonfs.node.replication.DataMessage.StatusRequest;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * What a node answers on the data plane: replica operations and queries go to the {@link ReplicaApplier}, client I/O
 * forwarded by another node is served here as the volume's primary (on a worker: the data server calls this on an
 * event loop), and a peer's request for this node's I/O figures gets the report set by {@link #answerMetricsWith}.
 */
final class DataPlaneHandler implements DataRequestHandler {
    /** The volume's I/O on this node as its primary (QoS-gated), waiting while it takes over. */
    interface PrimaryIo {
        VolumeIo of(UUID volume) throws IOException;
    }

    private final String nodeId;
    private final ReplicaApplier applier;
    private final PrimaryIo primaryIo;
    private final Executor workers;
    private volatile Supplier<byte[]> metricsReport;

    DataPlaneHandler(String nodeId, ReplicaApplier applier, PrimaryIo primaryIo, Executor workers) {
        this.nodeId = nodeId;
        this.applier = applier;
        this.primaryIo = primaryIo;
        this.workers = workers;
    }

    /** What this node answers a peer's {@link MetricsRequest} with (its I/O report as JSON); set once at start. */
    void answerMetricsWith(Supplier<byte[]> report) {
        this.metricsReport = report;
    }

    @Override
    public CompletionStage<DataMessage.Response> handle(String peer, DataMessage.Request request) {
        return switch (request) {
            case ReplicaOp _, StatusRequest _, DataMessage.RebuildStateRequest _, BlockRead _, ChecksumRequest _ -> applier.serve(request);
            case ClientWrite w -> startOnWorker(() -> primaryIo.of(w.volume())
                    .startWrite(w.offset(), ByteBuffer.wrap(w.data()), WriteConcern.values()[w.level()])
                    .thenApply(v -> new Ok(w.data().length)));
            case ClientRead _, ClientFlush _, ClientTrim _ -> onWorker(() -> serveLocally(request));
            case MetricsRequest _ -> ioReport();
            // A connection's greeting is answered by the data server itself, never handed here.
            case Hello _ -> CompletableFuture.completedFuture(new Failure(ErrorCode.BAD_REQUEST, "Hello is not a data request"));
        };
    }

    /** Serves a client request on this node as the volume's primary. */
    DataMessage.Response serveLocally(DataMessage.Request request) throws IOException {
        return switch (request) {
            case ClientRead r -> {
                VolumeIo p = primaryIo.of(r.volume());
                ByteBuffer dst = ByteBuffer.allocate(r.length());
                if (r.snapshot().isEmpty()) {
                    p.read(r.offset(), dst);
                } else {
                    p.readSnapshot(r.snapshot(), r.offset(), dst);
                }
                yield new Data(dst.array());
            }
            case ClientWrite w -> {
                primaryIo.of(w.volume()).write(w.offset(), ByteBuffer.wrap(w.data()), WriteConcern.values()[w.level()]);
                yield new Ok(w.data().length);
            }
            case ClientFlush fl -> {
                primaryIo.of(fl.volume()).flush();
                yield new Ok(0);
            }
            case ClientTrim t -> {
                primaryIo.of(t.volume()).trim(t.offset(), t.length());
                yield new Ok(0);
            }
            default -> throw new IllegalArgumentException("not a client request: " + request);
        };
    }

    /** Built off the event loop: a report of many volumes takes a moment. */
    private CompletionStage<DataMessage.Response> ioReport() {
        Supplier<byte[]> report = metricsReport;
        if (report == null) {
            return CompletableFuture.completedFuture(new Failure(ErrorCode.UNAVAILABLE, "node " + nodeId + " has no I/O figures yet"));
        }
        return onWorker(() -> new Data(report.get()));
    }

    private interface Answer {
        DataMessage.Response get() throws IOException;
    }

    private interface StartedAnswer {
        CompletableFuture<DataMessage.Response> start() throws IOException;
    }

    /**
     * Starts a forwarded write on a worker (which may block) and answers when its acknowledgement completes: for a
     * replicated volume on the event loop that received the last replica answer, not on a worker parked until then
     * (ARCHITECTURE, Replication: "Where a write is acknowledged").
     */
    private CompletionStage<DataMessage.Response> startOnWorker(StartedAnswer answer) {
        CompletableFuture<DataMessage.Response> f = new CompletableFuture<>();
        workers.execute(() -> {
            CompletableFuture<DataMessage.Response> started;
            try {
                started = answer.start();
            } catch (Throwable t) {
                f.complete(failure(t));
                return;
            }
            started.whenComplete((response, t) -> f.complete(t == null ? response
                    : failure(t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t)));
        });
        return f;
    }

    /** A refusal keeps its code; anything else is answered as {@link ReplicaApplier#failure} maps it. */
    private static DataMessage.Response failure(Throwable t) {
        return t instanceof DataClient.RemoteException e ? new Failure(e.code(), e.getMessage()) : ReplicaApplier.failure(t);
    }

    private CompletionStage<DataMessage.Response> onWorker(Answer answer) {
        CompletableFuture<DataMessage.Response> f = new CompletableFuture<>();
        workers.execute(() -> {
            try {
                f.complete(answer.get());
            } catch (Throwable t) {
                f.complete(failure(t));
            }
        });
        return f;
    }
}
