package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.engine.WriteConcern;
import io.galleonfs.node.replication.DataMessage.ClientRead;
import io.galleonfs.node.replication.DataMessage.ClientWrite;
import io.galleonfs.node.replication.DataMessage.Data;
import io.galleonfs.node.replication.DataMessage.ErrorCode;
import io.galleonfs.node.replication.DataMessage.Failure;
import io.galleonfs.node.replication.DataMessage.Hello;
import io.galleonfs.node.replication.DataMessage.MetricsRequest;
import io.galleonfs.node.replication.DataMessage.Ok;
import io.galleonfs.node.volume.VolumeIo;
import io.galleonfs.node.volume.WriteConcernPolicy.Requested;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The data-plane answers that do not need a replica: forwarded client I/O, the I/O report, a stray greeting. */
class DataPlaneHandlerTest {
    private static final UUID VOL = UUID.randomUUID();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final byte[] content = new byte[8192];
    private final AtomicReference<Requested> lastLevel = new AtomicReference<>();

    @AfterEach
    void stop() {
        workers.shutdownNow();
    }

    /** A volume in memory, as the primary's QoS-gated I/O would be. */
    private final VolumeIo volume = new VolumeIo() {
        @Override
        public UUID id() {
            return VOL;
        }

        @Override
        public String name() {
            return "v";
        }

        @Override
        public long sizeBytes() {
            return content.length;
        }

        @Override
        public int blockSize() {
            return 4096;
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
            dst.put(content, (int) offset, dst.remaining());
        }

        @Override
        public void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException {
            throw new IOException("no snapshot " + snapshot);
        }

        @Override
        public void write(long offset, ByteBuffer src, WriteConcern concern) {
            src.get(content, (int) offset, src.remaining());
        }

        @Override
        public void write(long offset, ByteBuffer src, Requested level) {
            lastLevel.set(level);
            write(offset, src, WriteConcern.DURABLE);
        }

        @Override
        public void flush() {
        }

        @Override
        public void trim(long offset, long length) {
        }
    };

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
        assertEquals(new Ok(data.length), answer(h, new ClientWrite(VOL, 4096, Requested.DISTRIBUTED.ordinal(), data)));
        assertEquals(Requested.DISTRIBUTED, lastLevel.get());
        Data read = (Data) answer(h, new ClientRead(VOL, 4096, data.length, ""));
        assertArrayEquals(data, read.bytes());
    }

    @Test
    void aRefusalByThePrimaryTravelsWithItsCode() {
        DataPlaneHandler h = handler(id -> {
            throw new DataClient.RemoteException(ErrorCode.NOT_PRIMARY, "node n3 is the primary now");
        });
        assertEquals(new Failure(ErrorCode.NOT_PRIMARY, "node n3 is the primary now"), answer(h, new ClientRead(VOL, 0, 10, "")));
        DataPlaneHandler broken = handler(id -> {
            throw new IOException("disk gone");
        });
        assertEquals(new Failure(ErrorCode.IO, "disk gone"), answer(broken, new ClientRead(VOL, 0, 10, "")));
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
