package io.galleonfs.node.volume.metrics;

import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.blockio.AsyncVolumeIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.UUID;

/**
 * Measures every call on a volume's I/O seam into its {@link VolumeMeter}: the time from call to return, bytes moved and
 * whether it failed (any exception, including unchecked ones). The measurement is where the frontend asked, so forwarded
 * and replicated I/O is timed as the client experiences it.
 */
public final class MeteredVolumeIo implements VolumeIo {
    private final VolumeIo delegate;
    private final VolumeMeter meter;
    /** Made once: an NBD session asks for it on every request. */
    private final AsyncVolumeIo async;

    public MeteredVolumeIo(VolumeIo delegate, VolumeMeter meter) {
        this.delegate = delegate;
        this.meter = meter;
        this.async = metered(delegate.async());
    }

    @Override
    public UUID id() {
        return delegate.id();
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public long sizeBytes() {
        return delegate.sizeBytes();
    }

    @Override
    public int blockSize() {
        return delegate.blockSize();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        long start = meter.begin();
        boolean ok = false;
        try {
            delegate.read(offset, dst);
            ok = true;
        } finally {
            end(IoOp.READ, start, n, ok);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        int n = src.remaining();
        long start = meter.begin();
        boolean ok = false;
        try {
            delegate.write(offset, src, concern);
            ok = true;
        } finally {
            end(IoOp.WRITE, start, n, ok);
        }
    }

    @Override
    public void flush() throws IOException {
        long start = meter.begin();
        boolean ok = false;
        try {
            delegate.flush();
            ok = true;
        } finally {
            end(IoOp.FLUSH, start, 0, ok);
        }
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        long start = meter.begin();
        boolean ok = false;
        try {
            delegate.trim(offset, length);
            ok = true;
        } finally {
            end(IoOp.TRIM, start, length, ok);
        }
    }

    /** Timed from the call to the future's completion, as the client waits for it. */
    @Override
    public CompletableFuture<Void> startWrite(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        int n = src.remaining();
        long start = meter.begin();
        boolean started = false;
        try {
            CompletableFuture<Void> f = delegate.startWrite(offset, src, concern);
            started = true;
            return f.whenComplete((r, e) -> end(IoOp.WRITE, start, n, e == null));
        } finally {
            if (!started) {
                end(IoOp.WRITE, start, n, false);
            }
        }
    }

    @Override
    public boolean waitsForTheNetwork() {
        return delegate.waitsForTheNetwork();
    }

    /** The delegate's non-blocking form, measured the same way: from the call to the future's completion. */
    @Override
    public AsyncVolumeIo async() {
        return async;
    }

    private AsyncVolumeIo metered(AsyncVolumeIo a) {
        return a == null ? null : new AsyncVolumeIo() {
            @Override
            public CompletableFuture<byte[]> read(long offset, int length) {
                return measured(IoOp.READ, length, () -> a.read(offset, length));
            }

            @Override
            public CompletableFuture<Void> write(long offset, byte[] data, WriteConcern concern) {
                return measured(IoOp.WRITE, data.length, () -> a.write(offset, data, concern));
            }

            @Override
            public CompletableFuture<Void> flush() {
                return measured(IoOp.FLUSH, 0, a::flush);
            }
        };
    }

    private <T> CompletableFuture<T> measured(IoOp op, long bytes, Supplier<CompletableFuture<T>> call) {
        long start = meter.begin();
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            meter.failed(op);
            throw e;
        }
        if (f == null) {
            meter.abandoned(); // not started: the blocking call that follows is measured instead
            return null;
        }
        return f.whenComplete((r, e) -> end(op, start, bytes, e == null));
    }

    /** Snapshot reads are reads of the volume's storage, so they count as reads. */
    @Override
    public void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException {
        int n = dst.remaining();
        long start = meter.begin();
        boolean ok = false;
        try {
            delegate.readSnapshot(snapshot, offset, dst);
            ok = true;
        } finally {
            end(IoOp.READ, start, n, ok);
        }
    }

    private void end(IoOp op, long start, long bytes, boolean ok) {
        if (ok) {
            meter.succeeded(op, start, bytes);
        } else {
            meter.failed(op);
        }
    }
}
