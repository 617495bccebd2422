package io.galleonfs.node.meta;

import io.galleonfs.engine.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Persists the metadata state machine in one local file (a node outside any cluster, and unit tests). Each applied command is made durable before {@link #submit}
 * returns: the whole state image is written atomically (see {@link AtomicFiles}), so a {@code kill -9} at any
 * moment leaves either the state before or after the command. Readers see immutable published states without locks.
 */
public final class FileMetadataStore implements MetadataStore {
    private static final Logger LOG = Logger.getLogger(FileMetadataStore.class);
    private static final String FILE = "state.json";

    private final Path file;
    private volatile MetadataState current;

    private FileMetadataStore(Path file, MetadataState state) {
        this.file = file;
        this.current = state;
    }

    public static FileMetadataStore open(Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.deleteIfExists(directory.resolve(FILE + ".tmp"));
        Path file = directory.resolve(FILE);
        MetadataState state = Files.exists(file) ? MetadataState.restore(Files.readAllBytes(file)) : new MetadataState();
        LOG.debugf("metadata loaded from %s at index %d", file, state.lastApplied());
        return new FileMetadataStore(file, state);
    }

    @Override
    public MetadataState state() {
        return current;
    }

    @Override
    public synchronized MetaResult submit(MetaCommand command) throws IOException {
        MetadataState next = MetadataState.restore(current.snapshot());
        MetaResult result = next.apply(command);
        if (result instanceof MetaResult.Applied) {
            AtomicFiles.write(file, java.nio.ByteBuffer.wrap(next.snapshot()));
            current = next;
        }
        return result;
    }
}
