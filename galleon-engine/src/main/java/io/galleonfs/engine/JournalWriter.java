package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * The engine's single journal thread. Per batch: one write of all queued records, one fdatasync (every
 * durable writer of the batch shares it: group commit), then the records are applied to the layer data
 * files. A data file is never written before the journal record that describes it is durable.
 * When the journal outgrows the checkpoint size, touched data files are fsynced, their layer indexes
 * rewritten and a new journal generation replaces the old one. Parked when there is nothing to do.
 */
final class JournalWriter {
    private static final Logger LOG = Logger.getLogger(JournalWriter.class);
    private static final int MAX_STAGING_BYTES = 8 << 20;

    private final EngineCore core;
    private final Path dir;
    private final Set<Layer> touched = Collections.newSetFromMap(new IdentityHashMap<>());
    private volatile JournalFile current;
    private ByteBuffer staging = ByteBuffer.allocateDirect(1 << 20);
    private Thread thread;
    private volatile boolean halted;
    private volatile Throwable failure;

    JournalWriter(EngineCore core, Path dir, JournalFile initial) {
        this.core = core;
        this.dir = dir;
        this.current = initial;
    }

    void start() {
        thread = Thread.ofPlatform().name("galleon-journal").daemon(true).start(this::run);
    }

    long journalBytes() {
        return current.size();
    }

    private void run() {
        try {
            while (!halted) {
                JournalQueue.Batch batch = core.queue.take();
                if (halted) {
                    break;
                }
                if (!batch.entries().isEmpty()) {
                    commit(batch);
                    apply(batch);
                }
                boolean finished = batch.closing() && batch.entries().isEmpty();
                if (finished || !batch.checkpoints().isEmpty()
                        || current.size() >= core.config.journalCheckpointBytes()) {
                    checkpoint();
                    batch.checkpoints().forEach(done -> done.complete(null));
                }
                if (finished) {
                    break;
                }
            }
        } catch (Throwable t) {
            if (!halted) {
                failure = t;
                LOG.errorf(t, "journal thread failed; the engine accepts no further writes");
            }
            core.queue.fail(t);
            core.progress.fail(t);
            core.backPressure.fail(t);
        }
    }

    private void commit(JournalQueue.Batch batch) throws IOException {
        staging.clear();
        for (JournalEntry entry : batch.entries()) {
            for (ByteBuffer part : entry.encoded()) {
                ByteBuffer src = part.duplicate();
                while (src.hasRemaining()) {
                    if (!staging.hasRemaining()) {
                        growOrDrain();
                    }
                    int n = Math.min(src.remaining(), staging.remaining());
                    staging.put(staging.position(), src, src.position(), n);
                    staging.position(staging.position() + n);
                    src.position(src.position() + n);
                }
            }
        }
        staging.flip();
        current.append(staging);
        current.sync();
        core.counters.fsyncs.increment();
        core.progress.markDurable(batch.lastTicket());
    }

    private void growOrDrain() throws IOException {
        if (staging.capacity() < MAX_STAGING_BYTES) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(Math.min(MAX_STAGING_BYTES, staging.capacity() * 2));
            staging.flip();
            bigger.put(staging);
            staging = bigger;
        } else {
            staging.flip();
            current.append(staging);
            staging.clear();
        }
    }

    private void apply(JournalQueue.Batch batch) throws IOException {
        long bytes = 0;
        for (JournalEntry entry : batch.entries()) {
            Layer layer = entry.layer();
            switch (entry) {
                case JournalEntry.Block b -> layer.volume.applier.applyBlock(b.pending());
                case JournalEntry.Trim t -> layer.volume.applier.applyTrim(layer, t.firstBlock(), t.count(), t.zeroBlocks());
            }
            touched.add(layer);
            bytes += entry.dirtyBytes();
        }
        core.progress.markApplied(batch.lastTicket());
        core.backPressure.release(bytes);
    }

    private void checkpoint() throws IOException {
        for (Layer layer : touched) {
            layer.volume.applier.checkpoint(layer);
        }
        touched.clear();
        JournalFile next = JournalFile.create(dir, current.generation() + 1);
        core.counters.fsyncs.add(2);
        JournalFile old = current;
        current = next;
        old.closeAndDelete();
    }

    /** Checkpoints as soon as the queue ahead has been committed; completes after the journal rotated. */
    CompletableFuture<Void> requestCheckpoint() {
        return core.queue.requestCheckpoint();
    }

    /** Drains the queue, checkpoints and stops the thread. */
    void shutdown() throws IOException {
        core.queue.close();
        join();
        closeJournal();
        if (failure != null) {
            throw new EngineException("journal thread had failed: " + failure, failure);
        }
    }

    /** Stops at once without draining or checkpointing, as a crash would (tests only). */
    void halt() throws IOException {
        halted = true;
        EngineException abandoned = new EngineException("storage engine was abandoned");
        core.queue.fail(abandoned);
        join();
        core.progress.fail(abandoned);
        core.backPressure.fail(abandoned);
        closeJournal();
    }

    private void join() {
        boolean interrupted = false;
        while (thread != null && thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeJournal() throws IOException {
        current.close();
    }
}
