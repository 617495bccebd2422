package io.galleonfs.node.meta;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where metadata commands are applied and made durable: a local file ({@link FileMetadataStore}) or the cluster's
 * Raft log (the cluster package). Either way, {@link #submit} returns only after the command is durable and applied.
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

    static FileMetadataStore open(Path directory) throws IOException {
        return FileMetadataStore.open(directory);
    }
}
