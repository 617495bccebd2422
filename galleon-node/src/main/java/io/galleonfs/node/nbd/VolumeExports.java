package io.galleonfs.node.nbd;

import io.galleonfs.api.AccessMode;
import io.galleonfs.engine.SnapshotInfo;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.VolumeClients;
import io.galleonfs.node.volume.VolumeDataService;
import io.galleonfs.node.volume.VolumeService;
import io.galleonfs.node.blockio.VolumeIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Exports the volumes whose data this node serves, by name, {@code ns/name} or UUID, and their snapshots read-only as
 * {@code volume@snapshot}; other volumes are not visible here. A bare name that several namespaces hold opens nothing
 * (names are unique per namespace only) and is listed as {@code ns/name}. The listing names every volume, then each of its
 * snapshots.
 */
final class VolumeExports implements NbdExports {
    private static final Logger LOG = Logger.getLogger(VolumeExports.class);
    /** Separates volume and snapshot in an export name; neither volume names, UUIDs nor snapshot names contain it. */
    static final char SNAPSHOT_SEPARATOR = '@';

    private final VolumeService volumes;
    private final VolumeDataService data;
    private final MetadataStore metadata;

    VolumeExports(VolumeService volumes, VolumeDataService data, MetadataStore metadata) {
        this.volumes = volumes;
        this.data = data;
        this.metadata = metadata;
    }

    @Override
    public List<String> names() {
        List<String> names = new ArrayList<>();
        for (VolumeRecord v : volumes.list()) {
            if (!data.canServe(v)) {
                continue;
            }
            // A name another namespace also holds is listed as ns/name, so that every listed export opens.
            String name = io.galleonfs.node.meta.VolumeLookup.qualifiedName(metadata.state(), v);
            names.add(name);
            for (SnapshotInfo s : snapshots(v)) {
                names.add(name + SNAPSHOT_SEPARATOR + s.name());
            }
        }
        return names;
    }

    @Override
    public Optional<NbdExport> open(String name) {
        int at = name.indexOf(SNAPSHOT_SEPARATOR);
        String ref = at < 0 ? name : name.substring(0, at);
        Optional<VolumeRecord> found;
        try {
            found = volumes.find(ref).filter(v -> data.canServe(v));
        } catch (GalleonException ambiguous) {
            // a bare name held by several namespaces: the client must say ns/name
            LOG.debugf("nbd export %s: %s", name, ambiguous.getMessage());
            return Optional.empty();
        }
        if (found.isEmpty()) {
            return Optional.empty();
        }
        VolumeRecord v = found.get();
        try {
            if (at < 0) {
                return Optional.of(new VolumeExport(v.name(), data.io(v), v.accessMode() == AccessMode.READ_ONLY_MANY,
                        volumes.clients()));
            }
            String snapshot = name.substring(at + 1);
            if (snapshots(v).stream().noneMatch(s -> s.name().equals(snapshot))) {
                return Optional.empty();
            }
            return Optional.of(new SnapshotExport(v.name() + SNAPSHOT_SEPARATOR + snapshot, data.io(v), snapshot,
                    volumes.clients()));
        } catch (GalleonException e) {
            // deleted, or moved away from this node, since the lookup above
            LOG.debugf("nbd export %s cannot be opened: %s", name, e.getMessage());
            return Optional.empty();
        }
    }

    private List<SnapshotInfo> snapshots(VolumeRecord v) {
        try {
            return data.snapshots(v.id().toString());
        } catch (GalleonException e) {
            return List.of();
        }
    }

    /** Records the session as a client of the volume while it is attached, so that delete refuses the volume. */
    private static final class Attachment {
        private final AtomicReference<String> client = new AtomicReference<>();

        void attach(VolumeClients clients, VolumeIo volume, String user) {
            client.set(user);
            clients.add(volume.id(), user);
        }

        void release(VolumeClients clients, VolumeIo volume) {
            String user = client.getAndSet(null);
            if (user != null) {
                clients.remove(volume.id(), user);
            }
        }
    }

    private record VolumeExport(String name, VolumeIo volume, boolean readOnly, VolumeClients clients, Attachment attachment)
            implements NbdExport {

        VolumeExport(String name, VolumeIo volume, boolean readOnly, VolumeClients clients) {
            this(name, volume, readOnly, clients, new Attachment());
        }

        @Override
        public void attach(String peer) {
            attachment.attach(clients, volume, "nbd " + peer);
        }

        @Override
        public void release() {
            attachment.release(clients, volume);
        }

        @Override
        public long size() {
            return volume.sizeBytes();
        }

        @Override
        public int blockSize() {
            return volume.blockSize();
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            volume.read(offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            // NBD has its own durability contract (FLUSH and FUA), so plain writes are only acknowledged.
            volume.write(offset, src, WriteConcern.ACKNOWLEDGED);
        }

        @Override
        public boolean writesWaitForOtherNodes() {
            return volume.waitsForTheNetwork();
        }

        @Override
        public CompletableFuture<Void> startWrite(long offset, ByteBuffer src) throws IOException {
            return volume.startWrite(offset, src, WriteConcern.ACKNOWLEDGED);
        }

        @Override
        public void flush() throws IOException {
            volume.flush();
        }

        /**
         * Always: a replicated or forwarded volume's calls wait for other nodes, and a local volume's writes to disjoint
         * blocks now reach the engine side by side (ARCHITECTURE, Replication: Ordering), which a queue depth above one
         * only uses when the connection hands them over together.
         */
        @Override
        public boolean concurrentRequests() {
            return true;
        }

        @Override
        public io.galleonfs.node.blockio.AsyncVolumeIo async() {
            return volume.async();
        }

        @Override
        public void trim(long offset, long length) throws IOException {
            volume.trim(offset, length);
        }
    }

    /**
     * A snapshot, read-only. Its size is the volume's size (a snapshot taken before an expansion reads zeros beyond its
     * own end). The session answers writes, trims and write-zeroes with EPERM before they get here.
     */
    private record SnapshotExport(String name, VolumeIo volume, String snapshot, VolumeClients clients, Attachment attachment)
            implements NbdExport {

        SnapshotExport(String name, VolumeIo volume, String snapshot, VolumeClients clients) {
            this(name, volume, snapshot, clients, new Attachment());
        }

        @Override
        public void attach(String peer) {
            attachment.attach(clients, volume, "nbd " + peer + " (snapshot " + snapshot + ")");
        }

        @Override
        public void release() {
            attachment.release(clients, volume);
        }

        @Override
        public long size() {
            return volume.sizeBytes();
        }

        @Override
        public int blockSize() {
            return volume.blockSize();
        }

        @Override
        public boolean readOnly() {
            return true;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            volume.readSnapshot(snapshot, offset, dst);
        }

        @Override
        public void write(long offset, ByteBuffer src) throws IOException {
            throw new IOException("snapshot export " + name + " is read-only");
        }

        @Override
        public void flush() {
            // nothing to make durable: a snapshot never changes
        }

        @Override
        public void trim(long offset, long length) throws IOException {
            throw new IOException("snapshot export " + name + " is read-only");
        }
    }
}
