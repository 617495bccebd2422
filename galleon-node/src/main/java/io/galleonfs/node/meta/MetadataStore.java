package io.galleonfs.node.meta;

import io.galleonfs.node.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Persists the metadata state machine on this node. Each applied command is made durable before {@link #submit}
 * returns: the whole state image is written atomically (see {@link AtomicFiles}), so a {@code kill -9} at any
 * moment leaves either the state before or after the command. Readers see immutable published states without locks.
 */
public final class MetadataStore {
    private static final Logger LOG = Logger.getLogger(MetadataStore.class);
    private static final String FILE = "state.json";

    private final Path file;
    private volatile MetadataState current;

    private MetadataStore(Path file, MetadataState state) {
        this.file = file;
        this.current = state;
    }

    public static MetadataStore open(Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.deleteIfExists(directory.resolve(FILE + ".tmp"));
        Path file = directory.resolve(FILE);
        MetadataState state = Files.exists(file) ? MetadataState.restore(Files.readAllBytes(file)) : new MetadataState();
        LOG.debugf("metadata loaded from %s at index %d", file, state.lastApplied());
        return new MetadataStore(file, state);
    }

    /** The latest committed state. Callers must not mutate it. */
    public MetadataState state() {
        return current;
    }

    /** Applies and persists one command; on an I/O failure nothing changes and the error propagates. */
    public synchronized MetaResult submit(MetaCommand command) throws IOException {
        MetadataState next = MetadataState.restore(current.snapshot());
        MetaResult result = next.apply(command);
        if (result instanceof MetaResult.Applied) {
            AtomicFiles.write(file, next.snapshot());
            current = next;
        }
        return result;
    }
}
