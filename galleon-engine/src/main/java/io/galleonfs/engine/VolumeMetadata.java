package io.galleonfs.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * The persisted descriptor of one volume and the sequence numbers derived from it. Every descriptor
 * change is written atomically before it becomes the in-memory truth. The same lock serializes layer
 * index checkpoints with layer removal, so a checkpoint never recreates files of a dropped layer.
 */
final class VolumeMetadata {
    /** Sequence numbers are reserved this many at a time, persisted before any of them is used. */
    static final long SEQ_RESERVATION = 1L << 20;

    @FunctionalInterface
    interface Action {
        void run() throws IOException;
    }

    private final Path file;
    private final EngineCounters counters;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong seqCounter;
    private volatile VolumeDescriptor descriptor;
    private volatile long seqReserved;

    VolumeMetadata(Path file, VolumeDescriptor descriptor, EngineCounters counters) {
        this.file = file;
        this.counters = counters;
        this.descriptor = descriptor;
        this.seqReserved = descriptor.seqReserved();
        this.seqCounter = new AtomicLong(descriptor.seqReserved());
    }

    Path file() {
        return file;
    }

    VolumeDescriptor current() {
        return descriptor;
    }

    /** Persists {@code change} applied to the current descriptor, then makes it current. */
    void update(UnaryOperator<VolumeDescriptor> change) throws IOException {
        lock.lock();
        try {
            VolumeDescriptor next = change.apply(descriptor);
            VolumeDescriptorCodec.write(file, next);
            counters.fsyncs.add(AtomicFiles.FSYNCS_PER_WRITE);
            descriptor = next;
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code action} under the metadata lock. */
    void locked(Action action) throws IOException {
        lock.lock();
        try {
            action.run();
        } finally {
            lock.unlock();
        }
    }

    /** A sequence number never used before by this volume, also across crashes (GCM nonce uniqueness). */
    long nextSeq() throws IOException {
        long seq = seqCounter.incrementAndGet();
        if (seq > seqReserved) {
            reserve(seq);
        }
        return seq;
    }

    private void reserve(long seq) throws IOException {
        lock.lock();
        try {
            if (seq <= seqReserved) {
                return;
            }
            long reserved = Math.max(seq, seqReserved) + SEQ_RESERVATION;
            update(d -> d.withSeqReserved(reserved));
            seqReserved = reserved;
        } finally {
            lock.unlock();
        }
    }

    /** Recovery saw {@code seq} in the journal; later numbers must be higher. */
    void observeSeq(long seq) {
        seqCounter.accumulateAndGet(seq, Math::max);
    }
}
