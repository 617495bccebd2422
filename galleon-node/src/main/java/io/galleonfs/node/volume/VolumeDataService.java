package io.galleonfs.node.volume;

import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.api.Names;
import io.galleonfs.api.Sizes;
import io.galleonfs.engine.BlockEngine;
import io.galleonfs.engine.SnapshotInfo;
import io.galleonfs.engine.VerifyReport;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.VolumeUsage;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.PrimaryVolume;
import io.galleonfs.node.replication.ReplicationService;
import io.galleonfs.node.volume.metrics.MeteredVolumeIo;
import io.galleonfs.node.volume.metrics.VolumeMeters;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/** Block data of volumes: reads, writes, snapshots, clones, expansion and verification on this node's engine. */
public final class VolumeDataService {
    private static final Logger LOG = Logger.getLogger(VolumeDataService.class);
    /** Largest single read or write through the API; the CLI splits bigger transfers into chunks of this size. */
    public static final int MAX_TRANSFER = 8 << 20;
    /**
     * Bytes a streamed read reads and writes at a time: 64 blocks of 4 KiB (the engine reads them with one pread when
     * their records lie back to back), and under half of G1's smallest region, so never a humongous allocation.
     */
    public static final int STREAM_PIECE = 256 << 10;

    private final VolumeService volumes;
    private final BlockEngine engine;
    private final WriteConcernPolicy concerns;
    private final MetaCommands commands;
    private final Clock clock;
    private final Supplier<UUID> ids;
    private final MetadataStore store;
    private final ReplicationService replication;
    private final VolumeMeters meters = new VolumeMeters();

    public VolumeDataService(VolumeService volumes, MetadataStore store, BlockEngine engine, WriteConcernPolicy concerns,
                             Clock clock, Supplier<UUID> ids, ReplicationService replication) {
        this.replication = replication;
        this.volumes = volumes;
        this.engine = engine;
        this.concerns = concerns;
        this.commands = new MetaCommands(store);
        this.store = store;
        this.clock = clock;
        this.ids = ids;
        meters.readCacheFrom(id -> engine.find(id).map(Volume::readCacheStats).orElse(io.galleonfs.engine.ReadCacheStats.NONE));
    }

    /** The running primary of a volume: administrative operations (snapshots, clone, expand, scrub) are ordered there. */
    PrimaryVolume primary(VolumeRecord v) {
        if (!v.node().equals(store.state().volume(v.id()).map(VolumeRecord::node).orElse(v.node()))
                || !replication.canServe(v) || !v.node().equals(localNodeId())) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "volume '" + v.name() + "' has its primary on node "
                    + v.node() + store.state().node(v.node()).map(n -> " (api " + n.ipcAddress() + ")").orElse("")
                    + "; send this operation there (only block I/O is forwarded between nodes)");
        }
        try {
            return replication.primary(v.id());
        } catch (IOException e) {
            throw EngineErrors.translate(v.name(), e);
        }
    }

    private String localNodeId() {
        return replication.nodeId();
    }

    /** Live replica states when this node is the volume's primary; empty otherwise. */
    public java.util.Map<String, io.galleonfs.node.meta.ReplicaRecord> liveReplicaStates(VolumeRecord v) {
        return replication.liveStates(v.id()).orElse(java.util.Map.of());
    }

    /**
     * Block I/O on a volume for frontends (REST, gRPC, NBD, FUSE, bench), measured into the volume's meter on this node.
     * Throws {@link GalleonException} (UNAVAILABLE) when this node cannot serve the volume.
     */
    public VolumeIo io(VolumeRecord v) {
        try {
            return new MeteredVolumeIo(replication.io(v), meters.meterFor(v));
        } catch (IOException e) {
            throw EngineErrors.translate(v.name(), e);
        }
    }

    /**
     * Block I/O of background work on a volume whose primary is this node (restores): the primary orders and replicates
     * it, but it bypasses the client seam, so it is neither metered as the volume's client I/O nor charged to its client
     * QoS; the caller admits it through the node's background class. UNAVAILABLE when this node is not the primary.
     */
    public VolumeIo backgroundIo(VolumeRecord v) {
        return primary(v);
    }

    /** I/O meters of the volumes served through this node. */
    public VolumeMeters meters() {
        return meters;
    }

    /**
     * The event loop of this node's data-plane connections: a frontend that forwards requests without blocking (NBD)
     * serves its connections on it, so a forwarded request never changes threads on this node.
     */
    public io.vertx.core.Context dataPlaneLoop() {
        return replication.dataPlaneLoop();
    }

    /** Whether this node can serve I/O of the volume now (as its primary, or by forwarding to it). */
    public boolean canServe(VolumeRecord v) {
        return replication.canServe(v);
    }

    public VolumeUsage usage(VolumeRecord v) {
        return engine.find(v.id()).map(Volume::usage).orElse(new VolumeUsage(v.sizeBytes(), 0, 0, 0));
    }

    public record Written(long offset, long bytes, String concern) {
    }

    public Written write(String ref, long offset, byte[] data, String writeConcern) {
        VolumeRecord v = volumes.get(ref);
        WriteConcern requested = concerns.parse(writeConcern);
        if (data == null || data.length == 0) {
            throw GalleonException.badRequest("request body is empty: send the bytes to write as application/octet-stream");
        }
        if (data.length > MAX_TRANSFER) {
            throw GalleonException.badRequest("a single write is limited to " + MAX_TRANSFER + " bytes; split larger data");
        }
        checkRange(v, offset, data.length);
        VolumeIo vol = io(v);
        EngineErrors.call(v.name(), () -> {
            vol.write(offset, ByteBuffer.wrap(data), requested);
            return null;
        });
        return new Written(offset, data.length, requested.wire());
    }

    public byte[] read(String ref, long offset, long length) {
        VolumeRecord v = volumes.get(ref);
        long len = length <= 0 ? Math.min(v.sizeBytes() - offset, MAX_TRANSFER) : length;
        if (len > MAX_TRANSFER) {
            throw GalleonException.badRequest("a single read is limited to " + MAX_TRANSFER + " bytes; use a smaller length");
        }
        checkRange(v, offset, len);
        VolumeIo vol = io(v);
        ByteBuffer dst = ByteBuffer.allocate((int) len);
        EngineErrors.call(v.name(), () -> {
            vol.read(offset, dst);
            return null;
        });
        return dst.array();
    }

    /**
     * A range read in pieces of {@link #STREAM_PIECE}, its first piece read when the stream is opened: an engine error
     * there (a checksum mismatch, a volume not served here) still answers the request with its status, later ones end
     * the stream early. One piece-sized buffer per stream, below the size G1 allocates as a humongous object: a REST
     * read of 4 MiB (the CLI's export chunk) used to allocate a 4 MiB array per request, which grew the node's heap by
     * about a gigabyte per 2 GiB exported (docs/BENCHMARKS.md, "REST reads in pieces").
     */
    public final class RangeStream {
        private final VolumeRecord volume;
        private final VolumeIo io;
        private final ByteBuffer buf;
        private final long end;
        private long pos;
        private int buffered;

        private RangeStream(VolumeRecord volume, long offset, long length) {
            this.volume = volume;
            this.io = io(volume);
            this.buf = ByteBuffer.allocate((int) Math.min(STREAM_PIECE, Math.max(1, length)));
            this.pos = offset;
            this.end = offset + length;
            buffered = readPiece();
        }

        private int readPiece() {
            int n = (int) Math.min(buf.capacity(), end - pos);
            buf.clear().limit(n);
            final long at = pos;
            EngineErrors.call(volume.name(), () -> {
                io.read(at, buf);
                return null;
            });
            pos += n;
            return n;
        }

        /** Writes the whole range to {@code out}; call once. */
        public void writeTo(OutputStream out) throws IOException {
            out.write(buf.array(), 0, buffered);
            while (pos < end) {
                int n = readPiece();
                out.write(buf.array(), 0, n);
            }
        }
    }

    /** Opens a stream of {@code [offset, offset + length)} of {@code v}, reading its first piece now. */
    public RangeStream openRange(VolumeRecord v, long offset, long length) {
        checkRange(v, offset, length);
        return new RangeStream(v, offset, length);
    }

    public void checkRange(VolumeRecord v, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw GalleonException.badRequest("offset and length must not be negative");
        }
        if (offset > v.sizeBytes() || length > v.sizeBytes() - offset) {
            throw GalleonException.badRequest("range " + offset + "+" + length + " is beyond the end of volume '" + v.name()
                    + "' (" + v.sizeBytes() + " bytes)");
        }
    }

    public void flush(String ref) {
        VolumeRecord v = volumes.get(ref);
        VolumeIo vol = io(v);
        EngineErrors.call(v.name(), () -> {
            vol.flush();
            return null;
        });
    }

    /** Discards a range: whole blocks inside it are freed (holes punched), partial edge blocks are zeroed. */
    public VolumeRecord trim(String ref, String offsetText, String lengthText) {
        VolumeRecord v = volumes.get(ref);
        long offset;
        long length;
        try {
            offset = offsetText == null || offsetText.equals("0") ? 0 : Sizes.parse(offsetText);
            length = lengthText == null ? v.sizeBytes() - offset : Sizes.parse(lengthText);
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        checkRange(v, offset, length);
        VolumeIo vol = io(v);
        EngineErrors.call(v.name(), () -> {
            vol.trim(offset, length);
            return null;
        });
        return v;
    }

    public List<SnapshotInfo> snapshots(String ref) {
        VolumeRecord v = volumes.get(ref);
        // Every copy holds the same snapshots (they are ordered with the writes), so any local copy can list them.
        return engine.find(v.id()).map(Volume::snapshots).orElseGet(() -> primary(v).local().snapshots());
    }

    public SnapshotInfo createSnapshot(String ref, String name) {
        VolumeRecord v = volumes.get(ref);
        validName("snapshot", name);
        PrimaryVolume vol = primary(v);
        SnapshotInfo s = EngineErrors.call(v.name(), () -> vol.createSnapshot(name));
        LOG.infof("volume %s: snapshot %s created", v.name(), name);
        return s;
    }

    public void deleteSnapshot(String ref, String name) {
        VolumeRecord v = volumes.get(ref);
        PrimaryVolume vol = primary(v);
        EngineErrors.call(v.name(), () -> {
            vol.deleteSnapshot(name);
            return null;
        });
        LOG.infof("volume %s: snapshot %s deleted", v.name(), name);
    }

    public VolumeRecord restore(String ref, String snapshot) {
        VolumeRecord v = volumes.get(ref);
        if (snapshot == null || snapshot.isBlank()) {
            throw GalleonException.badRequest("snapshot is required");
        }
        // The file system or program using the volume would see every block change under it at once: a mounted ext4
        // then fails its checksums on the next directory read (the API fuzz found it), an NBD client's cache and data
        // disagree. Like a LUN, a volume is detached before it is rolled back (as for a backup restored in place).
        if (!v.mounts().isEmpty()) {
            var m = v.mounts().getFirst();
            throw GalleonException.conflict("volume '" + v.name() + "' is mounted at " + m.path() + " on node " + m.node()
                    + (v.mounts().size() > 1 ? " (and " + (v.mounts().size() - 1) + " more)" : "")
                    + ": unmount it before restoring a snapshot");
        }
        List<String> clients = volumes.clients().of(v.id());
        if (!clients.isEmpty()) {
            throw GalleonException.conflict("volume '" + v.name() + "' is exported to " + String.join(", ", clients)
                    + ": disconnect them before restoring a snapshot");
        }
        PrimaryVolume vol = primary(v);
        EngineErrors.call(v.name(), () -> {
            vol.restore(snapshot);
            return null;
        });
        LOG.infof("volume %s: restored to snapshot %s", v.name(), snapshot);
        return v;
    }

    /** A new, independent volume with the source's class and settings and the content of a snapshot or the live volume. */
    public VolumeRecord cloneVolume(String ref, String newName, String snapshot) {
        VolumeRecord src = volumes.get(ref);
        validName("volume", newName);
        if (volumes.findIn(src.namespace(), newName).isPresent()) {
            // A clone lands in its source's namespace, where names are unique.
            throw GalleonException.conflict("a volume named '" + newName + "' already exists in namespace '" + src.namespace() + "'");
        }
        primary(src);
        UUID id = ids.get();
        Volume copy = EngineErrors.call(src.name(), () -> engine.cloneVolume(src.id(), snapshot == null || snapshot.isBlank() ? null : snapshot, id));
        // The clone's other copies start empty: they are rebuilt from this one by the replication layer.
        java.util.Map<String, io.galleonfs.node.meta.ReplicaRecord> states = new java.util.LinkedHashMap<>();
        src.replicaNodes().stream().filter(n -> !n.equals(src.node()))
                .forEach(n -> states.put(n, new io.galleonfs.node.meta.ReplicaRecord(io.galleonfs.node.meta.ReplicaRecord.REBUILDING, 0)));
        VolumeRecord record = new VolumeRecord(id, newName, src.volumeType(), copy.sizeBytes(), src.blockSize(),
                src.storageClass(), src.replicas(), src.accessMode(), src.encrypted(), clock.millis(), src.node(), List.of(),
                src.replicaNodes(), 1, states).inNamespace(src.namespace());
        try {
            commands.submit(new MetaCommand.CreateVolume(record));
        } catch (RuntimeException e) {
            discard(id);
            throw e;
        }
        LOG.infof("volume %s cloned from %s%s", newName, src.name(), snapshot == null ? "" : "@" + snapshot);
        return record;
    }

    public VolumeRecord expand(String ref, String size) {
        VolumeRecord v = volumes.get(ref);
        long newSize;
        try {
            newSize = Sizes.parse(size);
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        if (newSize > VolumeService.MAX_SIZE) {
            throw GalleonException.badRequest("size " + size + " exceeds the maximum volume size of 1P");
        }
        if (newSize < v.sizeBytes()) {
            throw GalleonException.badRequest("volume '" + v.name() + "' can only grow: " + size + " is smaller than its size of "
                    + Sizes.format(v.sizeBytes()));
        }
        if (newSize / v.blockSize() > Integer.MAX_VALUE) {
            throw GalleonException.badRequest("size " + size + " is too large: a volume has at most 2^31-1 blocks");
        }
        if (newSize % v.blockSize() != 0) {
            throw GalleonException.badRequest("size " + newSize + " bytes is not a multiple of the block size " + v.blockSize());
        }
        if (newSize == v.sizeBytes()) {
            return v;
        }
        PrimaryVolume vol = primary(v);
        EngineErrors.call(v.name(), () -> {
            vol.expand(newSize);
            return null;
        });
        commands.submit(new MetaCommand.ResizeVolume(v.id(), newSize));
        LOG.infof("volume %s expanded to %d bytes", v.name(), newSize);
        return volumes.get(v.id().toString());
    }

    /** Verifies this node's own copy (every node holding one can check it). */
    public VerifyReport verify(String ref) {
        VolumeRecord v = volumes.get(ref);
        Volume vol = engine.find(v.id()).orElseThrow(() -> new GalleonException(GalleonException.Kind.UNAVAILABLE,
                "node " + localNodeId() + " holds no copy of volume '" + v.name() + "'; run verify on one of " + v.replicaNodes()));
        VerifyReport report = EngineErrors.call(v.name(), vol::verify);
        if (!report.healthy()) {
            LOG.errorf("volume %s: verify found %d bad block(s): %s", v.name(), report.badBlocks().size(), report.badBlocks());
        }
        return report;
    }

    /** Compares the copies of a volume block by block and repairs divergent or corrupt blocks (runs on the primary). */
    public PrimaryVolume.ScrubReport scrub(String ref) {
        VolumeRecord v = volumes.get(ref);
        PrimaryVolume vol = primary(v);
        PrimaryVolume.ScrubReport r = EngineErrors.call(v.name(), vol::scrub);
        LOG.infof("volume %s: scrub checked %d blocks, repaired %d", v.name(), r.checkedBlocks(), r.repairedBlocks());
        return r;
    }

    private void discard(UUID id) {
        try {
            engine.delete(id);
        } catch (IOException e) {
            LOG.warnf(e, "could not remove the data of abandoned volume %s; it is removed at the next start", id);
        }
    }

    private static void validName(String kind, String name) {
        try {
            Names.requireValid(kind, name);
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
    }
}
