package io.galleonfs.node.backup;

import io.galleonfs.node.meta.JobRecord;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.MetaCommands;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Runs jobs on a small bounded pool of this node (never on an event loop) and records their life in metadata: queued,
 * running, progress every {@link #PROGRESS_COMMIT_MILLIS}, then succeeded, failed or cancelled. Live progress is kept in
 * memory too, so the node running a job reports it without waiting for a commit.
 */
public final class JobRunner implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JobRunner.class);
    static final long PROGRESS_COMMIT_MILLIS = 2_000;

    /** The body of a job; returns a one-line outcome. Throwing fails the job with the exception's message. */
    @FunctionalInterface
    public interface Work {
        String run(Context context) throws Exception;
    }

    /** What a running job sees of itself. */
    public interface Context {
        String jobId();

        void progress(String phase, long bytesDone, long bytesTotal);

        void message(String message);

        boolean cancelled();
    }

    /** Thrown by a job body that noticed its cancellation. */
    public static final class Cancelled extends RuntimeException {
        public Cancelled() {
            super("cancelled");
        }
    }

    private final MetadataStore store;
    private final MetaCommands commands;
    private final String nodeId;
    private final String incarnation;
    private final Clock clock;
    private final ThreadPoolExecutor pool;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final JobOutcomes outcomes;

    /** Counts and durations of finished jobs (Micrometer in the daemon). */
    public interface JobOutcomes {
        JobOutcomes NONE = (kind, state, millis, bytes) -> { };

        void finished(String kind, String state, long millis, long bytes);
    }

    public JobRunner(MetadataStore store, String nodeId, String incarnation, Clock clock, int threads, int queue, JobOutcomes outcomes) {
        this.store = store;
        this.commands = new MetaCommands(store);
        this.nodeId = nodeId;
        this.incarnation = incarnation;
        this.clock = clock;
        this.outcomes = outcomes;
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, "galleon-backup-job");
            t.setDaemon(true);
            return t;
        });
    }

    public String nodeId() {
        return nodeId;
    }

    public String incarnation() {
        return incarnation;
    }

    /** Records the job as queued and schedules it; refused with 503 when the queue is full. */
    public JobRecord submit(String kind, String target, String backupId, String volume, Work work) {
        long now = clock.millis();
        JobRecord queued = new JobRecord(UUID.randomUUID().toString(), kind, JobRecord.QUEUED, nodeId, incarnation, target, backupId,
                volume, 0, 0, 0, null, null, null, now, 0, 0, false);
        Running r = new Running(queued, work);
        if (pool.getQueue().remainingCapacity() == 0) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "node " + nodeId + " has " + pool.getQueue().size()
                    + " jobs queued; retry when some have finished");
        }
        commands.submit(new MetaCommand.PutJob(queued));
        running.put(queued.id(), r);
        try {
            pool.execute(r);
        } catch (RejectedExecutionException e) {
            running.remove(queued.id());
            finish(r, JobRecord.FAILED, null, "node " + nodeId + " is shutting down or has too many jobs queued");
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "node " + nodeId + " cannot take more jobs now");
        }
        return queued;
    }

    /**
     * Records a job that another node must run (the primary of the volume it reads or writes) as queued on that node,
     * with no incarnation: the node picks it up ({@link #adopt}) on its next supervisor tick. Every node sees it through
     * metadata, so it can be listed, awaited and cancelled anywhere.
     */
    public JobRecord handOff(String kind, String node, String target, String backupId, String volume) {
        JobRecord queued = new JobRecord(UUID.randomUUID().toString(), kind, JobRecord.QUEUED, node, null, target, backupId, volume,
                0, 0, 0, null, "handed to node " + node + ", which runs it", null, clock.millis(), 0, 0, false);
        commands.submit(new MetaCommand.PutJob(queued));
        return queued;
    }

    /** Jobs handed to this node that it has not taken yet. */
    public java.util.List<JobRecord> handedToMe() {
        return store.state().backups().jobs().stream()
                .filter(j -> JobRecord.QUEUED.equals(j.state()) && j.incarnation() == null && nodeId.equals(j.node())
                        && !running.containsKey(j.id()))
                .toList();
    }

    /**
     * Runs a job handed to this node under its existing id. Returns false when it is already taken here. A job that
     * cannot be scheduled fails with the reason.
     */
    public boolean adopt(JobRecord handed, Work work) {
        Running r = new Running(handed, work);
        if (running.putIfAbsent(handed.id(), r) != null) {
            return false;
        }
        try {
            pool.execute(r);
        } catch (RejectedExecutionException e) {
            running.remove(handed.id());
            finish(r, JobRecord.FAILED, null, "node " + nodeId + " is shutting down or has too many jobs queued");
        }
        return true;
    }

    /** Fails a job handed to this node that it cannot run (e.g. the volume's primary moved). */
    public void failHanded(JobRecord handed, String reason) {
        try {
            commands.submit(new MetaCommand.PutJob(handed.failed(reason, clock.millis())));
        } catch (RuntimeException e) {
            LOG.warnf("job %s: its failure could not be recorded: %s", handed.id(), e.getMessage());
        }
    }

    /** Every job the catalog keeps, newest first, with live progress for those running here. */
    public java.util.List<JobRecord> list() {
        java.util.List<JobRecord> all = new java.util.ArrayList<>();
        for (JobRecord j : store.state().backups().jobs()) {
            all.add(job(j.id()).orElse(j));
        }
        java.util.Collections.reverse(all);
        return all;
    }

    /** The latest view of a job: live progress when it runs here, else the committed record. */
    public Optional<JobRecord> job(String id) {
        Running r = running.get(id);
        if (r != null) {
            return Optional.of(r.snapshot());
        }
        return store.state().backups().job(id);
    }

    /** Asks a job to stop: at once when it runs here, else through metadata for the node running it. */
    public JobRecord cancel(String id) {
        JobRecord job = store.state().backups().job(id)
                .orElseThrow(() -> GalleonException.notFound("job " + id + " not found"));
        if (job.finished()) {
            throw GalleonException.conflict("job " + id + " already " + job.state());
        }
        Running r = running.get(id);
        if (r != null) {
            r.cancelRequested = true;
        } else {
            commands.submit(new MetaCommand.PutJob(job.withCancelRequested()));
        }
        return job(id).orElse(job);
    }

    /**
     * Completes with the job's last view when it ends, if it runs (or is queued) on this node; empty for a job of
     * another node or one that already ended. Lets an event stream send the end at once instead of at its next tick.
     */
    public Optional<CompletableFuture<JobRecord>> ending(String id) {
        Running r = running.get(id);
        return r == null ? Optional.empty() : Optional.of(r.end);
    }

    /** Blocks until the job finished, or the wait ends; returns its latest view. */
    public JobRecord await(String id, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            Running r = running.get(id);
            if (r != null) {
                synchronized (r) {
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (!r.done && left > 0) {
                        r.wait(Math.min(left, 500));
                    }
                }
            }
            Optional<JobRecord> j = job(id);
            if (j.isEmpty() || j.get().finished() || System.nanoTime() > deadline) {
                return j.orElse(null);
            }
            if (r == null) {
                Thread.sleep(200); // runs on another node: its commits arrive through Raft
            }
        }
    }

    @Override
    public void close() {
        running.values().forEach(r -> r.cancelRequested = true);
        pool.shutdown();
        try {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void finish(Running r, String state, String message, String error) {
        JobRecord last;
        synchronized (r) {
            JobRecord s = r.snapshot();
            last = new JobRecord(s.id(), s.kind(), state, s.node(), s.incarnation(), s.target(), s.backupId(), s.volume(), s.bytesDone(),
                    s.bytesTotal(), s.bytesPerSecond(), s.phase(), message != null ? message : s.message(), error, s.createdAtMillis(),
                    s.startedAtMillis(), clock.millis(), s.cancelRequested());
            r.current = last;
        }
        try {
            commands.submit(new MetaCommand.PutJob(last));
        } catch (RuntimeException e) {
            LOG.warnf("job %s: its end (%s) could not be recorded: %s", last.id(), state, e.getMessage());
        }
        outcomes.finished(last.kind(), state, last.startedAtMillis() == 0 ? 0 : last.finishedAtMillis() - last.startedAtMillis(), last.bytesDone());
        synchronized (r) {
            r.done = true;
            r.notifyAll();
        }
        running.remove(last.id());
        r.end.complete(last);
    }

    private final class Running implements Runnable, Context {
        private final Work work;
        private volatile JobRecord current;
        private volatile boolean cancelRequested;
        private boolean done;
        private final CompletableFuture<JobRecord> end = new CompletableFuture<>();
        private final AtomicLong lastCommit = new AtomicLong();

        Running(JobRecord queued, Work work) {
            this.current = queued;
            this.work = work;
        }

        JobRecord snapshot() {
            return current;
        }

        @Override
        public String jobId() {
            return current.id();
        }

        @Override
        public void run() {
            if (cancelled()) {
                finish(this, JobRecord.CANCELLED, "cancelled before it started", null);
                return;
            }
            long now = clock.millis();
            JobRecord c = current;
            current = new JobRecord(c.id(), c.kind(), JobRecord.RUNNING, nodeId, incarnation, c.target(), c.backupId(), c.volume(), 0, 0, 0,
                    null, c.message(), null, c.createdAtMillis(), now, 0, c.cancelRequested());
            lastCommit.set(now);
            try {
                commands.submit(new MetaCommand.PutJob(current));
                String outcome = work.run(this);
                finish(this, JobRecord.SUCCEEDED, outcome, null);
            } catch (Cancelled | io.galleonfs.backup.BackupCancelledException e) {
                finish(this, JobRecord.CANCELLED, "cancelled", null);
            } catch (Throwable e) {
                String reason = BackupErrors.reason(e);
                if (!(e instanceof GalleonException || e instanceof io.galleonfs.backup.BackupException)) {
                    LOG.errorf(e, "job %s (%s) failed", c.id(), c.kind());
                } else {
                    LOG.warnf("job %s (%s) failed: %s", c.id(), c.kind(), reason);
                }
                finish(this, cancelled() ? JobRecord.CANCELLED : JobRecord.FAILED, null, reason);
            }
        }

        @Override
        public void progress(String phase, long bytesDone, long bytesTotal) {
            JobRecord c = current;
            long now = clock.millis();
            long elapsed = Math.max(1, now - c.startedAtMillis());
            current = new JobRecord(c.id(), c.kind(), c.state(), c.node(), c.incarnation(), c.target(), c.backupId(), c.volume(), bytesDone,
                    bytesTotal, bytesDone * 1000 / elapsed, phase, c.message(), null, c.createdAtMillis(), c.startedAtMillis(), 0,
                    c.cancelRequested());
            long last = lastCommit.get();
            if (now - last >= PROGRESS_COMMIT_MILLIS && lastCommit.compareAndSet(last, now)) {
                try {
                    commands.submit(new MetaCommand.PutJob(current));
                } catch (GalleonException e) {
                    if (e.kind() == GalleonException.Kind.CONFLICT) {
                        // Another node declared this job finished (e.g. this node was thought dead): stop working on it.
                        cancelRequested = true;
                    }
                    LOG.debugf("job %s: progress not recorded: %s", c.id(), e.getMessage());
                } catch (RuntimeException e) {
                    LOG.debugf("job %s: progress not recorded: %s", c.id(), e.getMessage());
                }
            }
        }

        @Override
        public void message(String message) {
            JobRecord c = current;
            current = new JobRecord(c.id(), c.kind(), c.state(), c.node(), c.incarnation(), c.target(), c.backupId(), c.volume(),
                    c.bytesDone(), c.bytesTotal(), c.bytesPerSecond(), c.phase(), message, null, c.createdAtMillis(), c.startedAtMillis(), 0,
                    c.cancelRequested());
        }

        @Override
        public boolean cancelled() {
            return cancelRequested || Thread.currentThread().isInterrupted()
                    || store.state().backups().job(current.id()).map(JobRecord::cancelRequested).orElse(false);
        }
    }
}
