package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The engine's journal thread and its apply thread. The journal thread takes a batch of queued records,
 * writes them with one write and one fdatasync (every durable writer of the batch shares it: group
 * commit) and hands the batch to the apply thread, which writes the records to the layer data files
 * while the journal thread already commits the next batch. A data file is never written before the
 * journal record that describes it is durable. When the journal outgrows the checkpoint size, the journal
 * thread waits until everything committed is applied, fsyncs the touched data files, rewrites their layer
 * indexes and starts a new journal generation. Both threads park when there is nothing to do.
 */
final class JournalWriter {
    private static final Logger LOG = Logger.getLogger(JournalWriter.class);
    private static final int MAX_STAGING_BYTES = 8 << 20;
    /** A stop on a full device retries a stalled step this often (~2 s) before giving up, so it cannot hang. */
    private static final int STOP_RETRIES = 8;

    private final EngineCore core;
    private final Path dir;
    /** Committed batches not yet applied; small, so acknowledged data waits in memory only briefly. */
    private static final int APPLY_QUEUE_BATCHES = 4;

    private final Set<Layer> touched = ConcurrentHashMap.newKeySet();
    private final BatchApplier batchApplier = new BatchApplier(touched);
    private final BlockingQueue<JournalQueue.Batch> toApply = new ArrayBlockingQueue<>(APPLY_QUEUE_BATCHES);
    private static final JournalQueue.Batch STOP_APPLYING = new JournalQueue.Batch(List.of(), -1, List.of(), true);
    private Thread applyThread;
    private volatile JournalFile current;
    private ByteBuffer staging = ByteBuffer.allocateDirect(1 << 20);
    private Thread thread;
    private volatile boolean halted;
    /** Set by shutdown: a thread stalled on a full device gives up instead of blocking the stop forever. */
    private volatile boolean stopping;
    private volatile Throwable failure;

    JournalWriter(EngineCore core, Path dir, JournalFile initial) {
        this.core = core;
        this.dir = dir;
        this.current = initial;
    }

    void start() {
        applyThread = Thread.ofPlatform().name("galleon-apply").daemon(true).start(this::runApply);
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
                    untilSpace(() -> commit(batch), true);
                    handToApplier(batch);
                }
                boolean finished = batch.closing() && batch.entries().isEmpty();
                if (finished || !batch.checkpoints().isEmpty()
                        || current.size() >= core.config.journalCheckpointBytes()) {
                    core.progress.awaitAppliedThroughStalls(batch.lastTicket());
                    untilSpace(this::checkpoint, true);
                    batch.checkpoints().forEach(done -> done.complete(null));
                }
                if (finished) {
                    break;
                }
            }
        } catch (Throwable t) {
            failed(t);
        } finally {
            stopApplier();
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }

    /**
     * Runs a step of the journal or apply thread, retrying it while the device is full. Every step is safe to
     * repeat: a commit rewinds the journal to its last good record first, applying writes absolute block states,
     * a checkpoint rewrites whole index files. Meanwhile the engine is stalled: new writes are refused, durable
     * waiters of the stuck batch hear OutOfSpaceException. Other failures, and ENOSPC while stopping, end the thread.
     */
    private void untilSpace(Step step, boolean journalThread) throws IOException, InterruptedException {
        boolean stalled = false;
        int retriesWhileStopping = 0;
        while (true) {
            try {
                step.run();
                if (stalled) {
                    if (journalThread) {
                        core.progress.clearCommitStall();
                    } else {
                        core.progress.clearApplyStall();
                    }
                    core.space.clearStall(journalThread);
                }
                return;
            } catch (IOException e) {
                if (!OutOfSpaceException.causedBy(e) || halted
                        || (stopping && ++retriesWhileStopping > STOP_RETRIES)) {
                    throw e;
                }
                OutOfSpaceException oos = OutOfSpaceException.of(e, journalThread ? "journal" : "applying writes");
                if (!stalled) {
                    stalled = true;
                    core.space.stall(journalThread, oos);
                    if (journalThread) {
                        core.progress.stallCommits(oos);
                    } else {
                        core.progress.stallApplies(oos);
                    }
                }
                core.space.awaitRetry();
            }
        }
    }

    private void handToApplier(JournalQueue.Batch batch) throws InterruptedException, EngineException {
        while (!toApply.offer(batch, 100, TimeUnit.MILLISECONDS)) {
            if (halted || failure != null) {
                throw new EngineException("the apply thread stopped");
            }
        }
    }

    private void stopApplier() {
        boolean interrupted = false;
        while (applyThread.isAlive() && !toApply.offer(STOP_APPLYING)) {
            try {
                applyThread.join(10);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void runApply() {
        try {
            while (true) {
                JournalQueue.Batch batch = toApply.take();
                if (batch == STOP_APPLYING || halted) {
                    break;
                }
                long[] bytes = {0};
                untilSpace(() -> {
                    core.applying.lock();
                    try {
                        core.faults.beforeApply();
                        bytes[0] = batchApplier.apply(batch.entries());
                    } finally {
                        core.applying.unlock();
                    }
                }, false);
                core.progress.markApplied(batch.lastTicket());
                core.backPressure.release(bytes[0]);
            }
        } catch (Throwable t) {
            failed(t);
            toApply.clear();
        }
    }

    private synchronized void failed(Throwable t) {
        if (halted || failure != null) {
            return;
        }
        failure = t;
        if (OutOfSpaceException.causedBy(t)) {
            // Expected on a full device at shutdown: one line, no stack trace.
            LOG.errorf("journal stopped on a full storage device (%s); unjournaled writes are lost, durable ones are kept", t.getMessage());
        } else {
            LOG.errorf(t, "journal thread failed; the engine accepts no further writes");
        }
        core.queue.fail(t);
        core.progress.fail(t);
        core.backPressure.fail(t);
    }

    private void commit(JournalQueue.Batch batch) throws IOException {
        long validSize = current.size();
        try {
            append(batch);
            current.sync();
        } catch (IOException e) {
            if (OutOfSpaceException.causedBy(e)) {
                // After a failed write or fdatasync the page cache may hold part of the batch; cutting it off
                // means a retry rewrites it from memory and replay never meets a record nobody acknowledged
                // followed by ones somebody did.
                current.rewind(validSize);
            }
            throw e;
        }
        core.counters.fsyncs.increment();
        core.progress.markDurable(batch.lastTicket());
    }

    private void append(JournalQueue.Batch batch) throws IOException {
        staging.clear();
        for (JournalEntry entry : batch.entries()) {
            if (entry.layer().dropped) {
                continue; // its volume was deleted while the record waited: nothing would ever read it
            }
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
        core.faults.beforeJournalAppend(current, staging);
        current.append(staging);
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
        stopping = true;
        core.space.wake();
        join();
        closeJournal();
        if (failure != null) {
            throw new EngineException("journal thread had failed: " + failure, failure);
        }
    }

    /** Stops at once without draining or checkpointing, as a crash would (tests only). */
    void halt() throws IOException {
        halted = true;
        core.space.wake();
        EngineException abandoned = new EngineException("storage engine was abandoned");
        core.queue.fail(abandoned);
        core.progress.fail(abandoned); // the journal thread may be waiting for the apply thread
        core.backPressure.fail(abandoned);
        join();
        closeJournal();
    }

    private void join() {
        boolean interrupted = false;
        for (Thread t : new Thread[] {thread, applyThread}) {
            while (t != null && t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
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
