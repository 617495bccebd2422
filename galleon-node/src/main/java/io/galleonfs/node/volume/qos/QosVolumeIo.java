package io.galleonfs.node.volume.qos;

import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.blockio.VolumeIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.UUID;

/**
 * Admits each request on a volume's I/O seam through its QoS slot before it reaches the primary: a request over the
 * volume's limit (or outside its share under contention) is delayed, never refused, so a throttled client sees slower
 * I/O and no errors. With a latency target, the time each admitted request then takes is compared with the target.
 * A request that fails is not timed. Reads and writes cost one operation and their bytes, a trim one operation, a flush nothing.
 */
public final class QosVolumeIo implements VolumeIo {
    private final VolumeIo delegate;
    private final VolumeQos qos;
    private final QosSlot slot;

    QosVolumeIo(VolumeIo delegate, VolumeQos qos, QosSlot slot) {
        this.delegate = delegate;
        this.qos = qos;
        this.slot = slot;
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
        boolean counted = qos.admit(slot, 1, dst.remaining());
        try {
            long start = qos.serviceStart(slot);
            delegate.read(offset, dst);
            qos.serviceEnd(slot, start);
        } finally {
            if (counted) {
                qos.done(slot);
            }
        }
    }

    @Override
    public void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        boolean counted = qos.admit(slot, 1, src.remaining());
        try {
            long start = qos.serviceStart(slot);
            delegate.write(offset, src, concern);
            qos.serviceEnd(slot, start);
        } finally {
            if (counted) {
                qos.done(slot);
            }
        }
    }

    /** Admitted as {@link #write}; its service time and its in-flight count end when the future completes. */
    @Override
    public CompletableFuture<Void> startWrite(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        boolean counted = qos.admit(slot, 1, src.remaining());
        boolean started = false;
        try {
            long start = qos.serviceStart(slot);
            CompletableFuture<Void> f = delegate.startWrite(offset, src, concern);
            started = true;
            return f.whenComplete((r, e) -> {
                if (e == null) {
                    qos.serviceEnd(slot, start);
                }
                if (counted) {
                    qos.done(slot);
                }
            });
        } finally {
            if (counted && !started) {
                qos.done(slot);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        delegate.flush();
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        boolean counted = qos.admit(slot, 1, 0);
        try {
            long start = qos.serviceStart(slot);
            delegate.trim(offset, length);
            qos.serviceEnd(slot, start);
        } finally {
            if (counted) {
                qos.done(slot);
            }
        }
    }

    @Override
    public boolean waitsForTheNetwork() {
        return delegate.waitsForTheNetwork();
    }

    @Override
    public void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException {
        boolean counted = qos.admit(slot, 1, dst.remaining());
        try {
            long start = qos.serviceStart(slot);
            delegate.readSnapshot(snapshot, offset, dst);
            qos.serviceEnd(slot, start);
        } finally {
            if (counted) {
                qos.done(slot);
            }
        }
    }
}
