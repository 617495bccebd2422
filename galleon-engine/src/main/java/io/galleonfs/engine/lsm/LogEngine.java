package io.galleonfs.engine.lsm;

import io.galleonfs.engine.AtomicFiles;
import io.galleonfs.engine.EngineException;
import io.galleonfs.engine.KeyProvider;
import io.galleonfs.engine.VolumeCipher;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import io.galleonfs.engine.NoSuchVolumeException;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.VolumeExistsException;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The volumes of one {@link LogStore}: creates, finds, deletes and clones {@link LogVolume}s (issue 18, phase 2; not yet
 * the node's engine). Layout: {@code <root>/store/} is the log store, {@code <root>/volumes/<uuid>.vol} each volume's
 * size ({@link VolumeDescriptorFile}). A descriptor's existence is the volume's: written after a clone's record,
 * deleted before a delete's DROP; at open, blocks of volumes without a descriptor (a crash between the two steps) are
 * dropped.
 */
public final class LogEngine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LogEngine.class);

    private final LogStore store;
    private final Path volumesDir;
    private final Map<UUID, LogVolume> volumes = new ConcurrentHashMap<>();
    /** Serialises create, delete and clone (their descriptor and store steps). */
    private final Object registry = new Object();

    private final KeyProvider keys;
    private static final SecureRandom RANDOM = new SecureRandom();

    private LogEngine(LogStore store, Path volumesDir, KeyProvider keys) {
        this.store = store;
        this.volumesDir = volumesDir;
        this.keys = keys;
    }

    /**
     * Opens (creating if needed) the engine at {@code root} with these store settings.
     *
     * @param keys wraps the data keys of encrypted volumes (as the layer engine's); null: only plain volumes
     */
    public static LogEngine open(Path root, int blockSize, long segmentBytes, long checkpointBytes, KeyProvider keys)
            throws IOException {
        Path volumesDir = root.resolve("volumes");
        Files.createDirectories(volumesDir);
        LogStore store = LogStore.open(new LogStoreConfig(root.resolve("store"), blockSize, segmentBytes, checkpointBytes));
        LogEngine engine = new LogEngine(store, volumesDir, keys);
        try {
            engine.load();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        return engine;
    }

    /** Default store settings (64 MiB segments, a checkpoint per GiB of log). */
    public static LogEngine open(Path root, int blockSize, KeyProvider keys) throws IOException {
        return open(root, blockSize, LogStoreConfig.DEFAULT_SEGMENT_BYTES, LogStoreConfig.DEFAULT_CHECKPOINT_BYTES, keys);
    }

    private void load() throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(volumesDir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.delete(f); // an atomic replacement that did not finish
                    continue;
                }
                if (!name.endsWith(VolumeDescriptorFile.SUFFIX)) {
                    continue;
                }
                VolumeDescriptorFile d = VolumeDescriptorFile.read(f);
                if (d.blockSize() != store.blockSize()) {
                    throw new EngineException("volume " + d.id() + " has block size " + d.blockSize() + ", the store "
                            + store.blockSize());
                }
                volumes.put(d.id(), new LogVolume(this, store, d, cipherOf(d)));
            }
        }
        for (UUID orphan : store.volumeIds()) {
            if (!volumes.containsKey(orphan)) {
                LOG.warnf("log engine: volume %s has blocks but no descriptor (a create, clone or delete was cut short);"
                        + " dropping its blocks", orphan);
                store.dropVolume(orphan, WriteConcern.DURABLE);
            }
        }
    }

    public int blockSize() {
        return store.blockSize();
    }

    /** The cipher of an encrypted volume's descriptor (its data key unwrapped), null for a plain one. */
    private VolumeCipher cipherOf(VolumeDescriptorFile d) throws IOException {
        if (!d.encrypted()) {
            return null;
        }
        if (keys == null) {
            throw new EngineException("volume " + d.id() + " is encrypted and the engine has no key provider");
        }
        try {
            return new VolumeCipher(keys.unwrap(d.keyId(), d.wrappedKey()), d.aadVolume());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new EngineException("cannot unwrap the data key of volume " + d.id() + " (wrapped by master key '"
                    + d.keyId() + "')", e);
        }
    }

    /**
     * Creates an empty thin volume; an encrypted one gets a new random AES-256 data key, wrapped by the key provider.
     */
    public Volume create(UUID id, long sizeBytes, boolean encrypted) throws IOException {
        if (encrypted && keys == null) {
            throw new EngineException("encrypted volumes need a key provider");
        }
        checkSize(sizeBytes);
        synchronized (registry) {
            if (volumes.containsKey(id)) {
                throw new VolumeExistsException("volume " + id + " already exists");
            }
            if (store.hasVolume(id)) {
                store.dropVolume(id, WriteConcern.DURABLE); // leftovers of an earlier incarnation
            }
            VolumeDescriptorFile d = new VolumeDescriptorFile(id, sizeBytes, store.blockSize(), null, null, null);
            if (encrypted) {
                byte[] dataKey = new byte[32];
                RANDOM.nextBytes(dataKey);
                KeyProvider.WrappedKey wrapped;
                try {
                    wrapped = keys.wrapCurrent(dataKey);
                } catch (GeneralSecurityException e) {
                    throw new EngineException("cannot wrap the data key of volume " + id, e);
                }
                d = new VolumeDescriptorFile(id, sizeBytes, store.blockSize(), id, wrapped.keyId(), wrapped.bytes());
            }
            d.write(volumesDir);
            LogVolume v = new LogVolume(this, store, d, cipherOf(d));
            volumes.put(id, v);
            return v;
        }
    }

    public Optional<Volume> find(UUID id) {
        return Optional.ofNullable(volumes.get(id));
    }

    public Set<UUID> volumeIds() {
        return new HashSet<>(volumes.keySet());
    }

    /** Deletes a volume, its snapshots and (once the cleaner ran) its space. */
    public void delete(UUID id) throws IOException {
        synchronized (registry) {
            LogVolume v = volumes.get(id);
            if (v == null) {
                throw new NoSuchVolumeException("no volume " + id);
            }
            v.retire();
            Files.delete(VolumeDescriptorFile.pathOf(volumesDir, id));
            AtomicFiles.fsyncDirectory(volumesDir);
            volumes.remove(id);
            store.dropVolume(id, WriteConcern.DURABLE);
        }
    }

    /**
     * Creates volume {@code newId} with the content of {@code source}'s snapshot (null: its live view). The index entries
     * are copied, the records shared: no data is copied. A clone of an encrypted volume shares its records and so its
     * data key and AAD volume id (the layer engine re-encrypts a clone under a new key; here that would be a copy).
     */
    public Volume cloneVolume(UUID source, String snapshotNameOrNull, UUID newId) throws IOException {
        synchronized (registry) {
            LogVolume src = volumes.get(source);
            if (src == null) {
                throw new NoSuchVolumeException("no volume " + source);
            }
            if (volumes.containsKey(newId)) {
                throw new VolumeExistsException("volume " + newId + " already exists");
            }
            if (store.hasVolume(newId)) {
                store.dropVolume(newId, WriteConcern.DURABLE);
            }
            long size = src.cloneInto(snapshotNameOrNull, newId);
            VolumeDescriptorFile s = src.descriptor();
            VolumeDescriptorFile d = new VolumeDescriptorFile(newId, size, store.blockSize(), s.aadVolume(), s.keyId(),
                    s.wrappedKey());
            d.write(volumesDir);
            LogVolume v = new LogVolume(this, store, d, cipherOf(d));
            volumes.put(newId, v);
            return v;
        }
    }

    /** Persists a volume's descriptor (expand). */
    void writeDescriptor(VolumeDescriptorFile d) throws IOException {
        d.write(volumesDir);
    }

    /** The store below (tests, benchmarks, the cleaner's caller). */
    public LogStore store() {
        return store;
    }

    void checkSize(long sizeBytes) {
        if (sizeBytes <= 0 || sizeBytes % store.blockSize() != 0
                || sizeBytes / store.blockSize() > Integer.MAX_VALUE - 1) {
            throw new IllegalArgumentException("volume size must be a positive multiple of " + store.blockSize()
                    + " bytes and at most " + (Integer.MAX_VALUE - 1L) + " blocks: " + sizeBytes);
        }
    }

    @Override
    public void close() throws IOException {
        for (LogVolume v : volumes.values()) {
            v.retire();
        }
        store.close();
    }
}
