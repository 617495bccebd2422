package io.galleonfs.node.volume;

import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** A volume in memory that records flushes, trims and write concerns, for tests of the layers above volumes. */
public final class MemoryVolumeIo implements VolumeIo {
    public final byte[] bytes;
    public final List<String> calls = new ArrayList<>();
    private final UUID id = UUID.randomUUID();
    public volatile boolean failing;
    /** When set, writes fail with it. */
    public volatile IOException failWrites;
    /** The four-value concern of the last write that came with one (forwarded and REST writes do). */
    public volatile WriteConcern lastRequested;

    public MemoryVolumeIo(int size) {
        bytes = new byte[size];
    }

    @Override
    public UUID id() {
        return id;
    }

    @Override
    public String name() {
        return "mem";
    }

    @Override
    public long sizeBytes() {
        return bytes.length;
    }

    @Override
    public int blockSize() {
        return 4096;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        if (failing) {
            throw new IOException("checksum mismatch in volume mem block 0");
        }
        int n = dst.remaining();
        dst.put(bytes, (int) offset, n);
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        if (failWrites != null) {
            throw failWrites;
        }
        lastRequested = concern;
        calls.add("write " + offset + "+" + src.remaining() + " " + concern);
        src.get(bytes, (int) offset, src.remaining());
    }

    /**
     * When set, {@link #startWrite} applies the write and holds its acknowledgement here for the test to complete, as a
     * replicated primary's would wait for its replicas; when null, started writes are acknowledged at once.
     */
    public volatile List<CompletableFuture<Void>> heldAcknowledgements;

    @Override
    public CompletableFuture<Void> startWrite(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        write(offset, src, concern);
        List<CompletableFuture<Void>> held = heldAcknowledgements;
        if (held == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> ack = new CompletableFuture<>();
        held.add(ack);
        return ack;
    }

    @Override
    public synchronized void flush() {
        calls.add("flush");
    }

    @Override
    public synchronized void trim(long offset, long length) {
        calls.add("trim " + offset + "+" + length);
        java.util.Arrays.fill(bytes, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public void readSnapshot(String snapshot, long offset, ByteBuffer dst) {
        throw new UnsupportedOperationException();
    }
}
