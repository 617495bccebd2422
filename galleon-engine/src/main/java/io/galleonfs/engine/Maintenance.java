package io.galleonfs.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * One background thread per engine for snapshot-layer merges. It exists only while there is work
 * (core thread times out), so idle volumes cost no thread and no CPU.
 */
final class Maintenance {
    private static final Logger LOG = Logger.getLogger(Maintenance.class);

    private final ThreadPoolExecutor executor;
    private volatile boolean stopping;

    Maintenance() {
        executor = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> Thread.ofPlatform().name("galleon-merge").daemon(true).unstarted(r));
        executor.allowCoreThreadTimeOut(true);
    }

    boolean stopping() {
        return stopping;
    }

    /** Merges or drops every hidden layer of {@code volume} that has at most one child. */
    Future<?> reclaim(VolumeImpl volume) {
        try {
            return executor.submit(() -> {
                try {
                    volume.snapshotManager.reclaimHiddenLayers();
                } catch (Exception e) {
                    if (!stopping) {
                        LOG.errorf(e, "reclaiming deleted snapshot layers of volume %s failed; retried on next open",
                                volume.id());
                    }
                    throw e;
                }
                return null;
            });
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new EngineException("storage engine is closing"));
        }
    }

    /** Asks running merges to stop at their next chunk (they resume on the next open) and waits for them. */
    void shutdown() throws InterruptedException {
        stopping = true;
        executor.shutdown();
        if (!executor.awaitTermination(5, TimeUnit.MINUTES)) {
            LOG.warn("snapshot merge did not stop within 5 minutes");
        }
    }
}
