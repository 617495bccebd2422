package io.galleonfs.node.replication;

import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetaResult;
import io.galleonfs.node.meta.MetadataUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Commits the metadata changes a primary must have recorded before it acknowledges a write. Replica-state changes are
 * idempotent, so an unconfirmed one (the Raft leader died mid-commit) is sent again until a new leader commits it or
 * the retry window ends: the write waiting on it pauses instead of failing. Not on the minority side of a partition:
 * there no leader can commit anything until it heals, so the write fails at once instead of holding its client (and
 * every write queued behind it) for the whole window. Any other command, and a rejection, fails at once.
 */
final class MetadataCommitter {
    private static final Logger LOG = Logger.getLogger(MetadataCommitter.class);

    /** Pauses between attempts; a seam so tests run without real sleeps. */
    interface Pause {
        void sleep(Duration d) throws InterruptedException;
    }

    private final ClusterView view;
    private final Ticker ticker;
    private final Pause pause;
    private final Duration retryWindow;
    private final BooleanSupplier closed;

    MetadataCommitter(ClusterView view, Ticker ticker, Pause pause, Duration retryWindow, BooleanSupplier closed) {
        this.view = view;
        this.ticker = ticker;
        this.pause = pause;
        this.retryWindow = retryWindow;
        this.closed = closed;
    }

    void commit(MetaCommand command) throws IOException {
        long deadline = ticker.nanoTime() + retryWindow.toNanos();
        while (true) {
            try {
                MetaResult r = view.submit(command);
                if (r instanceof MetaResult.Rejected rej) {
                    throw new IOException(rej.detail());
                }
                return;
            } catch (MetadataUnavailableException e) {
                if (closed.getAsBoolean() || ticker.nanoTime() > deadline || !(command instanceof MetaCommand.SetReplicaState)
                        || !view.majorityReachable()) {
                    throw e;
                }
                LOG.debugf("replica state change not committed yet (%s); retrying", e.getMessage());
                try {
                    pause.sleep(Duration.ofMillis(250));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
