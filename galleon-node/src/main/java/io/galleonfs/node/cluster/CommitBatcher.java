package io.galleonfs.node.cluster;

import io.galleonfs.node.meta.MetaResult;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Group commit in front of Raft: changes submitted while earlier ones are still being committed wait here and then go to
 * the leader together, as one log entry (one append, one fsync per member, one forwarded message from a follower, one
 * copy of the metadata state when it is applied), instead of one entry each. A lone change is sent at once: with nothing
 * in flight there is nothing to wait for, so batching adds no latency to a sequential client.
 *
 * <p>At most {@code maxInFlight} entries are handed to Raft and not yet answered; everything submitted meanwhile waits in
 * the queue and goes out as the next entry (up to {@code maxBatch} commands or {@code maxBatchBytes}) when one is
 * answered. Each caller gets its own result (the reply carries one per command, in order) or the error of its own entry:
 * an entry that fails fails exactly the callers whose commands it carried.
 */
final class CommitBatcher {
    /** Hands one entry to Raft; throws when Raft refuses it up front (no leader: nothing was appended anywhere). */
    @FunctionalInterface
    interface Append {
        CompletableFuture<byte[]> append(byte[] entry) throws Exception;
    }

    /** The change was never handed to Raft: it can never be applied later. */
    static final class NotSentException extends Exception {
        NotSentException(String message) {
            super(message);
        }
    }

    /** The change was handed to Raft and its entry failed or was not answered in time: it may still be applied. */
    static final class NotConfirmedException extends Exception {
        NotConfirmedException(String message) {
            super(message);
        }
    }

    private static final class Pending {
        final byte[] command;
        final CompletableFuture<MetaResult> result = new CompletableFuture<>();

        Pending(byte[] command) {
            this.command = command;
        }
    }

    private final Append raft;
    private final Executor dispatcher;
    private final int maxInFlight;
    private final int maxBatch;
    private final int maxBatchBytes;
    private final Object lock = new Object();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int inFlight;
    private long entries;

    /**
     * @param dispatcher runs the sending of the next entry when one is answered: the answer arrives on a Raft thread,
     *                   which must not block (a follower's forward may wait for flow-control credits)
     */
    CommitBatcher(Append raft, Executor dispatcher, int maxInFlight, int maxBatch, int maxBatchBytes) {
        this.raft = raft;
        this.dispatcher = dispatcher;
        this.maxInFlight = maxInFlight;
        this.maxBatch = maxBatch;
        this.maxBatchBytes = maxBatchBytes;
    }

    /** Raft entries sent so far (tests and figures: fewer than the commands submitted once batching happens). */
    long entriesSent() {
        synchronized (lock) {
            return entries;
        }
    }

    /** Changes waiting for a free slot in the window. */
    int queued() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /**
     * Submits one encoded command and waits up to {@code timeoutNanos} for its result.
     *
     * @throws NotSentException      when it never reached Raft (refused up front, or still queued at the deadline)
     * @throws NotConfirmedException when its entry was handed over but failed or was not answered in time
     */
    MetaResult submit(byte[] command, long timeoutNanos) throws NotSentException, NotConfirmedException, InterruptedException {
        Pending p = new Pending(command);
        synchronized (lock) {
            queue.add(p);
        }
        dispatch(); // sends it at once when the window has room; else the answer that frees a slot sends it
        try {
            return p.result.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            boolean withdrawn;
            synchronized (lock) {
                withdrawn = queue.remove(p);
            }
            String waited = TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms";
            if (withdrawn) {
                throw new NotSentException("the Raft leader took no new entry within " + waited);
            }
            throw new NotConfirmedException("it was not committed by a majority within " + waited);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NotSentException n) {
                throw n;
            }
            if (e.getCause() instanceof NotConfirmedException n) {
                throw n;
            }
            throw new NotConfirmedException(String.valueOf(e.getCause().getMessage()));
        }
    }

    /** Sends the next entry if the window allows one and anything waits. */
    private void dispatch() {
        List<Pending> batch = new ArrayList<>();
        synchronized (lock) {
            if (inFlight >= maxInFlight || queue.isEmpty()) {
                return;
            }
            int bytes = 0;
            while (!queue.isEmpty() && batch.size() < maxBatch
                    && (batch.isEmpty() || bytes + queue.peek().command.length <= maxBatchBytes)) {
                Pending next = queue.poll();
                bytes += next.command.length;
                batch.add(next);
            }
            inFlight++;
            entries++;
        }
        CompletableFuture<byte[]> reply;
        try {
            reply = raft.append(RaftEntry.entry(batch.stream().map(p -> p.command).toList()));
        } catch (Exception e) {
            NotSentException refused = new NotSentException(e instanceof org.jgroups.protocols.raft.RaftLeaderException
                    ? "there is no leader" : String.valueOf(e.getMessage()));
            batch.forEach(p -> p.result.completeExceptionally(refused));
            if (finished()) {
                dispatcher.execute(this::dispatch);
            }
            return;
        }
        reply.whenComplete((bytes, error) -> {
            boolean more = finished();
            complete(batch, bytes, error);
            if (more) {
                dispatcher.execute(this::dispatch);
            }
        });
    }

    /**
     * Frees the entry's slot in the window; true when changes wait for it. A sequential client's change finds nothing
     * waiting behind it, and then no thread is started to look (one per create otherwise, on a Raft thread's answer).
     */
    private boolean finished() {
        synchronized (lock) {
            inFlight--;
            return !queue.isEmpty();
        }
    }

    private static void complete(List<Pending> batch, byte[] reply, Throwable error) {
        if (error != null) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
            NotConfirmedException failed = new NotConfirmedException(String.valueOf(cause.getMessage()));
            batch.forEach(p -> p.result.completeExceptionally(failed));
            return;
        }
        List<MetaResult> results;
        try {
            results = RaftEntry.results(reply, batch.size());
        } catch (java.io.IOException | RuntimeException e) {
            NotConfirmedException unreadable = new NotConfirmedException("unreadable answer from the leader: " + e.getMessage());
            batch.forEach(p -> p.result.completeExceptionally(unreadable));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result.complete(results.get(i));
        }
    }
}
