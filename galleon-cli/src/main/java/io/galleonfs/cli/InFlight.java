package io.galleonfs.cli;

import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Up to {@code depth} requests of a bulk transfer (volume import, export) in flight at once, their results taken in the
 * order they were submitted. Why: with one 4 MiB request at a time, the daemon waited for the CLI's next request and
 * the CLI for the daemon's answer, so neither kept a core busy (a 2 GiB import ran at ~130 MB/s with the daemon's CPU
 * about half idle); a few in flight overlap one request's transfer with another's write or read on the daemon.
 * Requests must be independent of each other (disjoint volume ranges).
 */
final class InFlight<T> implements AutoCloseable {
    /** Requests in flight during an import or export. */
    static final int TRANSFER_DEPTH = 4;

    private final int depth;
    private final ExecutorService pool;
    private final ArrayDeque<Future<T>> pending = new ArrayDeque<>();

    InFlight(int depth) {
        this.depth = depth;
        this.pool = Executors.newFixedThreadPool(depth, r -> {
            Thread t = new Thread(r, "galleonfs-transfer");
            t.setDaemon(true); // a failed transfer exits without waiting for the requests still running
            return t;
        });
    }

    /** Whether {@code depth} requests are outstanding: take the oldest result before submitting another. */
    boolean full() {
        return pending.size() >= depth;
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    void submit(Callable<T> request) {
        pending.add(pool.submit(request));
    }

    /** The oldest outstanding request's result; its failure is rethrown as the request threw it. */
    T takeOldest() {
        Future<T> oldest = pending.poll();
        if (oldest == null) {
            throw new IllegalStateException("no request in flight");
        }
        try {
            return oldest.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrorHandler.CliException("interrupted");
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> throw new ErrorHandler.CliException(e.getCause().getMessage());
            }
        }
    }

    /** Abandons requests still outstanding (after a failure: the command reports the first error). */
    @Override
    public void close() {
        pool.shutdownNow();
    }
}
