package io.galleonfs.node.meta;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where metadata commands are applied and made durable: the cluster's Raft log ({@code RaftMetadataStore}).
 * {@link #submit} returns only after the command is durable on a majority and applied on this node.
 */
public interface MetadataStore {

    /** The latest applied state. Callers must not mutate it. */
    MetadataState state();

    /**
     * Applies one command. A rejected command changes nothing.
     *
     * @throws MetadataUnavailableException when the change could not be confirmed: either refused up front (no leader,
     *                                      no reachable majority: nothing was applied, ever), or handed over but not
     *                                      committed in time (the message says so: it may still be applied)
     * @throws IOException                  when the command could not be made durable
     */
    MetaResult submit(MetaCommand command) throws IOException;

    /**
     * Waits up to {@code max} until this node's applied state satisfies {@code condition}: a node that learns of a
     * change from a peer (a forwarded request) may not have applied it yet. Returns the state, or empty on timeout.
     */
    default Optional<MetadataState> awaitState(Predicate<MetadataState> condition, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            MetadataState s = state();
            if (condition.test(s)) {
                return Optional.of(s);
            }
            if (System.nanoTime() >= deadline) {
                return Optional.empty();
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }
}
