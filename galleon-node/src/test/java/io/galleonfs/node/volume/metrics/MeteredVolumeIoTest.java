package io.galleonfs.node.volume.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    private static final class FakeIo implements VolumeIo {
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
}
