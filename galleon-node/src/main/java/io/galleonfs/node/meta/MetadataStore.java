package io.galleonfs.node.meta;

import java.io.IOException;

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
}
