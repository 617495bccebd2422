package io.galleonfs.node.volume.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.blockio.AsyncVolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.volume.WriteConcernPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MeteredVolumeIoTest {
    private final VolumeMeter meter = new VolumeMeter(UUID.randomUUID(), "v");

    /** Succeeds, or fails every call while {@code failing}; {@code gate} (when set) holds reads until opened. */
    private static class FakeIo implements VolumeIo {
        volatile boolean failing;
        volatile CountDownLatch gate;
        final CountDownLatch entered = new CountDownLatch(1);

        private void maybeFail() throws IOException {
            if (failing) {
                throw new IOException("disk on fire");
            }
        }

        @Override
        public UUID id() {
            return UUID.randomUUID();
        }

        @Override
        public String name() {
            return "v";
        }

        @Override
        public long sizeBytes() {
            return 1 << 20;
        }

        @Override
        public int blockSize() {
            return 4096;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            entered.countDown();
            if (gate != null) {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            maybeFail();
            dst.position(dst.limit());
        }

        @Override
        public void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
            maybeFail();
            src.position(src.limit());
        }

        /** Started writes' acknowledgements, completed by the test. */
        final java.util.List<CompletableFuture<Void>> acks = new java.util.ArrayList<>();

        @Override
        public CompletableFuture<Void> startWrite(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
            maybeFail();
            src.position(src.limit());
            CompletableFuture<Void> ack = new CompletableFuture<>();
            acks.add(ack);
            return ack;
        }

        @Override
        public void flush() throws IOException {
            maybeFail();
        }

        @Override
        public void trim(long offset, long length) throws IOException {
            maybeFail();
        }

        @Override
        public void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException {
            read(offset, dst);
        }
    }

    @Test
    void successfulOperationsCountOpsAndBytes() throws IOException {
        MeteredVolumeIo io = new MeteredVolumeIo(new FakeIo(), meter);
        io.read(0, ByteBuffer.allocate(4096));
        io.readSnapshot("s1", 0, ByteBuffer.allocate(512));
        io.write(0, ByteBuffer.allocate(8192), WriteConcern.DURABLE);
        io.write(0, ByteBuffer.allocate(100), WriteConcern.ACKNOWLEDGED);
        io.trim(0, 65536);
        io.flush();
        assertEquals(2, meter.operations(IoOp.READ));
        assertEquals(4608, meter.bytes(IoOp.READ));
        assertEquals(2, meter.operations(IoOp.WRITE));
        assertEquals(8292, meter.bytes(IoOp.WRITE));
        assertEquals(1, meter.operations(IoOp.TRIM));
        assertEquals(65536, meter.bytes(IoOp.TRIM));
        assertEquals(1, meter.operations(IoOp.FLUSH));
        for (IoOp op : IoOp.values()) {
            assertEquals(0, meter.errors(op));
        }
        assertEquals(0, meter.inflight());
    }

    @Test
    void failuresAreCountedSeparatelyAndStillPropagate() {
        FakeIo fake = new FakeIo();
        fake.failing = true;
        MeteredVolumeIo io = new MeteredVolumeIo(fake, meter);
        assertThrows(IOException.class, () -> io.read(0, ByteBuffer.allocate(4096)));
        assertThrows(IOException.class, () -> io.write(0, ByteBuffer.allocate(4096), WriteConcern.DURABLE));
        assertThrows(IOException.class, io::flush);
        assertThrows(IOException.class, () -> io.trim(0, 4096));
        for (IoOp op : IoOp.values()) {
            assertEquals(1, meter.errors(op), op.label());
            assertEquals(0, meter.operations(op), op.label());
            assertEquals(0, meter.bytes(op), op.label());
        }
        assertEquals(0, meter.inflight());
    }

    @Test
    void inflightCountsCallsInProgress() throws Exception {
        FakeIo fake = new FakeIo();
        fake.gate = new CountDownLatch(1);
        MeteredVolumeIo io = new MeteredVolumeIo(fake, meter);
        CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
            try {
                io.read(0, ByteBuffer.allocate(4096));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        try {
            fake.entered.await(30, TimeUnit.SECONDS);
            assertEquals(1, meter.inflight());
        } finally {
            fake.gate.countDown();
        }
        read.get(30, TimeUnit.SECONDS);
        assertEquals(0, meter.inflight());
        assertEquals(1, meter.operations(IoOp.READ));
    }

    @Test
    void aStartedWriteIsInFlightUntilItsAcknowledgementAndCountedByItsOutcome() throws IOException {
        FakeIo fake = new FakeIo();
        MeteredVolumeIo io = new MeteredVolumeIo(fake, meter);
        CompletableFuture<Void> first = io.startWrite(0, ByteBuffer.allocate(4096), WriteConcern.ACKNOWLEDGED);
        CompletableFuture<Void> second = io.startWrite(4096, ByteBuffer.allocate(512), WriteConcern.ACKNOWLEDGED);
        assertEquals(2, meter.inflight(), "started, not acknowledged");
        assertEquals(0, meter.operations(IoOp.WRITE));

        fake.acks.get(0).complete(null);
        fake.acks.get(1).completeExceptionally(new IOException("no replica acknowledged the write"));
        assertTrue(first.isDone() && !first.isCompletedExceptionally());
        assertTrue(second.isCompletedExceptionally(), "the failure reaches the caller");
        assertEquals(1, meter.operations(IoOp.WRITE));
        assertEquals(4096, meter.bytes(IoOp.WRITE));
        assertEquals(1, meter.errors(IoOp.WRITE));
        fake.failing = true;
        assertThrows(IOException.class, () -> io.startWrite(0, ByteBuffer.allocate(4096), WriteConcern.ACKNOWLEDGED));
        assertEquals(2, meter.errors(IoOp.WRITE), "a write that could not start is a failure too");
        assertEquals(0, meter.inflight());
    }

    /** A forwarded volume's non-blocking form: futures the test completes; {@code declines} makes every call not start. */
    private static final class FakeAsync implements AsyncVolumeIo {
        final java.util.List<CompletableFuture<?>> started = new java.util.ArrayList<>();
        boolean declines;

        private <T> CompletableFuture<T> start() {
            if (declines) {
                return null;
            }
            CompletableFuture<T> f = new CompletableFuture<>();
            started.add(f);
            return f;
        }

        @Override
        public CompletableFuture<byte[]> read(long offset, int length) {
            return start();
        }

        @Override
        public CompletableFuture<Void> write(long offset, byte[] data, WriteConcern concern) {
            return start();
        }

        @Override
        public CompletableFuture<Void> flush() {
            return start();
        }
    }

    @Test
    void theNonBlockingFormIsMeteredFromTheCallToTheFuturesCompletion() {
        FakeAsync async = new FakeAsync();
        FakeIo fake = new FakeIo() {
            @Override
            public AsyncVolumeIo async() {
                return async;
            }
        };
        MeteredVolumeIo io = new MeteredVolumeIo(fake, meter);
        CompletableFuture<byte[]> read = io.async().read(0, 4096);
        CompletableFuture<Void> write = io.async().write(0, new byte[8192], WriteConcern.ACKNOWLEDGED);
        CompletableFuture<Void> flush = io.async().flush();
        assertEquals(3, meter.inflight(), "in flight until answered");
        ((CompletableFuture<byte[]>) async.started.get(0)).complete(new byte[4096]);
        ((CompletableFuture<Void>) async.started.get(1)).complete(null);
        async.started.get(2).completeExceptionally(new IOException("the primary did not answer"));
        assertEquals(4096, read.join().length);
        assertNull(write.join());
        assertTrue(flush.isCompletedExceptionally(), "the failure reaches the caller");
        assertEquals(1, meter.operations(IoOp.READ));
        assertEquals(4096, meter.bytes(IoOp.READ));
        assertEquals(1, meter.operations(IoOp.WRITE));
        assertEquals(8192, meter.bytes(IoOp.WRITE));
        assertEquals(0, meter.operations(IoOp.FLUSH));
        assertEquals(1, meter.errors(IoOp.FLUSH));
        assertEquals(0, meter.inflight());

        async.declines = true; // the primary moved here: the caller goes the blocking way, metered there
        assertNull(io.async().write(0, new byte[512], WriteConcern.ACKNOWLEDGED));
        assertEquals(0, meter.inflight());
        assertEquals(1, meter.operations(IoOp.WRITE));
        assertEquals(0, meter.errors(IoOp.WRITE));
        assertNull(new MeteredVolumeIo(new FakeIo(), meter).async(), "a volume without the form gets none");
    }
}
