package io.galleonfs.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.replication.DataMessage.ClientRead;
import io.galleonfs.node.replication.DataMessage.ClientWrite;
import io.galleonfs.node.replication.DataMessage.Data;
import io.galleonfs.node.replication.DataMessage.ErrorCode;
import io.galleonfs.node.replication.DataMessage.Failure;
import io.galleonfs.node.replication.DataMessage.Hello;
import io.galleonfs.node.replication.DataMessage.MetricsRequest;
import io.galleonfs.node.replication.DataMessage.Ok;
import io.galleonfs.node.volume.MemoryVolumeIo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The data-plane answers that do not need a replica: forwarded client I/O, the I/O report, a stray greeting. */
class DataPlaneHandlerTest {
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        workers.shutdownNow();
    }

    /** A volume in memory, as the primary's QoS-gated I/O would be. */
    private final MemoryVolumeIo volume = new MemoryVolumeIo(8192);

    private DataPlaneHandler handler(DataPlaneHandler.PrimaryIo io) {
        return new DataPlaneHandler("n1", null, io, workers);
    }

    private static DataMessage.Response answer(DataPlaneHandler h, DataMessage.Request r) {
        return h.handle("n2", r).toCompletableFuture().join();
    }

    @Test
    void forwardedClientIoIsServedByThePrimarysVolumeWithTheCallersConcern() {
        DataPlaneHandler h = handler(id -> volume);
        byte[] data = "forwarded".getBytes(StandardCharsets.UTF_8);
        assertEquals(new Ok(data.length), answer(h, new ClientWrite(volume.id(), 4096, WriteConcern.DISTRIBUTED.ordinal(), data)));
        assertEquals(WriteConcern.DISTRIBUTED, volume.lastRequested);
        Data read = (Data) answer(h, new ClientRead(volume.id(), 4096, data.length, ""));
        assertArrayEquals(data, read.bytes());
    }

    @Test
    void aForwardedWriteIsAnsweredWhenItsAcknowledgementCompletesWithTheRefusalsCode() throws Exception {
        List<CompletableFuture<Void>> acks = new CopyOnWriteArrayList<>();
        volume.heldAcknowledgements = acks; // a replicated primary: acknowledged once its replicas answer
        DataPlaneHandler h = handler(id -> volume);
        byte[] data = "forwarded".getBytes(StandardCharsets.UTF_8);
        CompletableFuture<DataMessage.Response> first = h.handle("n2", new ClientWrite(volume.id(), 0, 2, data)).toCompletableFuture();
        await().atMost(Duration.ofSeconds(10)).until(() -> acks.size() == 1); // so acks.get(0) is the first one's
        CompletableFuture<DataMessage.Response> second = h.handle("n2", new ClientWrite(volume.id(), 100, 2, data)).toCompletableFuture();
        await().atMost(Duration.ofSeconds(10)).until(() -> acks.size() == 2);
        assertFalse(first.isDone() || second.isDone(), "answered before the acknowledgement");

        acks.get(1).completeExceptionally(new DataClient.RemoteException(ErrorCode.UNAVAILABLE,
                "write concern replicated needs a second copy of volume 'v' but no replica acknowledged the write"));
        acks.get(0).complete(null);
        assertEquals(new Ok(data.length), first.get(10, TimeUnit.SECONDS));
        assertEquals(ErrorCode.UNAVAILABLE, ((Failure) second.get(10, TimeUnit.SECONDS)).code());
        assertEquals(WriteConcern.REPLICATED, volume.lastRequested);
    }

    @Test
    void aRefusalByThePrimaryTravelsWithItsCode() {
        DataPlaneHandler h = handler(id -> {
            throw new DataClient.RemoteException(ErrorCode.NOT_PRIMARY, "node n3 is the primary now");
        });
        assertEquals(new Failure(ErrorCode.NOT_PRIMARY, "node n3 is the primary now"), answer(h, new ClientRead(volume.id(), 0, 10, "")));
        DataPlaneHandler broken = handler(id -> {
            throw new IOException("disk gone");
        });
        assertEquals(new Failure(ErrorCode.IO, "disk gone"), answer(broken, new ClientRead(volume.id(), 0, 10, "")));
    }

    @Test
    void theIoReportIsUnavailableUntilSetThenServed() {
        DataPlaneHandler h = handler(id -> volume);
        Failure before = (Failure) answer(h, new MetricsRequest());
        assertEquals(ErrorCode.UNAVAILABLE, before.code());
        h.answerMetricsWith(() -> "{\"volumes\":[]}".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"volumes\":[]}", new String(((Data) answer(h, new MetricsRequest())).bytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aGreetingIsNotADataRequest() {
        Failure f = (Failure) answer(handler(id -> volume), new Hello("n2", 1));
        assertEquals(ErrorCode.BAD_REQUEST, f.code());
        assertTrue(f.message().contains("Hello"));
    }
}
