package io.galleonfs.node.backup;

import io.galleonfs.engine.Volume;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.volume.qos.BackgroundQos;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * A backup's reads of its snapshot, straight from the primary's engine and admitted by the node's background QoS class:
 * never charged to the volume's client limit nor counted as its client I/O. Reads snapshots only; anything else is a
 * programming error and says so.
 */
final class SnapshotReads implements VolumeIo {
    private final Volume local;
    private final String name;
    private final BackgroundQos background;

    SnapshotReads(Volume local, String name, BackgroundQos background) {
        this.local = local;
        this.name = name;
        this.background = background;
    }

    @Override
    public UUID id() {
        return local.id();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long sizeBytes() {
        return local.sizeBytes();
    }

    @Override
    public int blockSize() {
        return local.blockSize();
    }

    @Override
    public void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException {
        if (background != null) {
            background.admit(BackgroundQos.Work.BACKUP, 1, dst.remaining());
        }
        local.readSnapshot(snapshot, offset, dst);
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        throw new UnsupportedOperationException("a backup reads its snapshot only");
    }

    @Override
    public void write(long offset, ByteBuffer src, WriteConcern concern) {
        throw new UnsupportedOperationException("a backup never writes its volume");
    }

    @Override
    public void flush() {
        throw new UnsupportedOperationException("a backup never writes its volume");
    }

    @Override
    public void trim(long offset, long length) {
        throw new UnsupportedOperationException("a backup never writes its volume");
    }
}
