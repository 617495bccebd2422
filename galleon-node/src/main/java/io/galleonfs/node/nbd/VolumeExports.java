package io.galleonfs.node.nbd;

import io.galleonfs.node.volume.VolumeClients;
import java.util.concurrent.atomic.AtomicReference;

import io.galleonfs.api.AccessMode;
import io.galleonfs.node.volume.VolumeIo;
import io.galleonfs.engine.WriteConcern;
import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.meta.VolumeRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

/** Exports the volumes whose data is on this node's engine, by name or UUID; other volumes are not visible here. */
final class VolumeExports implements NbdExports {
    private final NodeRuntime runtime;

    VolumeExports(NodeRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public List<String> names() {
        return runtime.volumes().list().stream().filter(v -> runtime.data().canServe(v)).map(VolumeRecord::name).toList();
    }

    @Override
    public Optional<NbdExport> open(String name) {
        return runtime.volumes().find(name).filter(v -> runtime.data().canServe(v))
                .map(v -> new VolumeExport(v.name(), runtime.data().io(v), v.accessMode() == AccessMode.READ_ONLY_MANY,
                        runtime.volumes().clients()));
    }

    private record VolumeExport(String name, VolumeIo volume, boolean readOnly, VolumeClients clients, AtomicReference<String> client)
            implements NbdExport {

        VolumeExport(String name, VolumeIo volume, boolean readOnly, VolumeClients clients) {
            this(name, volume, readOnly, clients, new AtomicReference<>());
        }

        @Override
        public void attach(String peer) {
            String user = "nbd " + peer;
            client.set(user);
            clients.add(volume.id(), user);
        }

        @Override
        public void release() {
            String user = client.getAndSet(null);
            if (user != null) {
                clients.remove(volume.id(), user);
            }
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
        public void flush() throws IOException {
            volume.flush();
        }

        @Override
        public void trim(long offset, long length) throws IOException {
            volume.trim(offset, length);
        }
    }
}
