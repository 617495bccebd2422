package io.galleonfs.engine;

import io.galleonfs.engine.lsm.LogEngine;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The storage engine of one node as the node sees it: a set of thin {@link Volume}s under one root directory, in one of
 * the on-disk formats of {@link StorageFormat}. {@link #open} reads the root's format file (recording
 * {@link EngineConfig#format()} in a new root) and opens the matching implementation: {@link LayerEngine} (journal +
 * layer files) or {@link LogEngine} (the log-structured store). Nothing above this interface knows which one it has.
 */
public interface BlockEngine extends AutoCloseable {

    /**
     * Opens (or initializes) the engine under {@code cfg.root()} in the format the root records; a new root gets
     * {@code cfg.format()}. A root recording another format than {@code cfg.format()} is refused with one line naming
     * {@code galleonfs storage convert}, nothing in it touched.
     *
     * @throws StorageFormat.UnsupportedStorageFormatException when the root is in another or an unreadable format
     */
    static BlockEngine open(EngineConfig cfg) throws IOException {
        String format = StorageFormat.check(cfg.root().toAbsolutePath(), cfg.format());
        return StorageFormat.LOG_V1.equals(format) ? LogEngine.open(cfg) : LayerEngine.open(cfg);
    }

    /** The on-disk format of this engine ({@link StorageFormat#LAYERS_V1} or {@link StorageFormat#LOG_V1}). */
    String format();

    /** Creates an empty thin volume with the engine's block size; an encrypted one gets a new data key. */
    Volume create(UUID id, long sizeBytes, boolean encrypted) throws IOException;

    Optional<Volume> find(UUID id);

    /**
     * The volume once it exists, waiting up to {@code maxNanos} for another thread to create it; empty if it did not
     * come. Engines wake the waiters when a create or clone completes; this default polls.
     */
    default Optional<Volume> awaitVolume(UUID id, long maxNanos) throws InterruptedException {
        long deadline = System.nanoTime() + maxNanos;
        while (true) {
            Optional<Volume> found = find(id);
            if (found.isPresent() || System.nanoTime() - deadline >= 0) {
                return found;
            }
            Thread.sleep(Math.max(1, Math.min(50, (deadline - System.nanoTime()) / 1_000_000)));
        }
    }

    Set<UUID> volumeIds();

    /** Deletes a volume with all its snapshots. */
    void delete(UUID id) throws IOException;

    /**
     * Creates {@code newId} with the content of the source's snapshot (its live content when {@code snapshotNameOrNull}
     * is null). How much is copied depends on the format (the layer engine copies blocks, the log store index entries).
     */
    Volume cloneVolume(UUID source, String snapshotNameOrNull, UUID newId) throws IOException;

    /** Creates a new master key and rewraps every encrypted volume's data key with it. */
    MasterKeyRotation rotateMasterKey() throws IOException;

    /** Destroys every master key but the current one, once no volume is wrapped by another. */
    List<String> destroyRetiredKeys() throws IOException;

    /** The master keys and which volumes each wraps. */
    MasterKeyStatus keyStatus();

    EngineStats stats();

    /** Free space of the engine's file system, the reserve and whether writes are refused for lack of space. */
    SpaceStats space();

    @Override
    void close() throws IOException;
}
