package io.galleonfs.node.volume;

import io.galleonfs.engine.Volume;
import io.galleonfs.engine.WriteConcern;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.UUID;

/** I/O on a volume whose only copy is in this node's engine. */
record LocalVolumeIo(String name, Volume volume) implements VolumeIo {
    @Override
    public UUID id() {
        return volume.id();
    }

    @Override
    public long sizeBytes() {
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
    public void write(long offset, ByteBuffer src, WriteConcern concern) throws IOException {
        volume.write(offset, src, concern);
    }

    @Override
    public void flush() throws IOException {
        volume.flush();
    }

    @Override
    public void trim(long offset, long length) throws IOException {
        volume.trim(offset, length);
    }

    @Override
    public void readSnapshot(String snapshot, long offset, ByteBuffer dst) throws IOException {
        volume.readSnapshot(snapshot, offset, dst);
    }
}
