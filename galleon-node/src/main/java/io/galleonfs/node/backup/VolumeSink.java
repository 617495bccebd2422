package io.galleonfs.node.backup;

import io.galleonfs.backup.RestoreSink;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.blockio.VolumeIo;
import io.galleonfs.node.volume.qos.BackgroundQos;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A volume as a restore sink, written to its primary on this node (which orders the writes and ships them to the
 * replicas) but not through the client seam: a restore is background work, admitted by the node's background QoS class
 * before each write or trim, never charged to the volume's client limit nor counted as its client I/O. A new volume
 * starts as zeros, so zero ranges are skipped; in place they are trimmed.
 */
final class VolumeSink implements RestoreSink {
    private final VolumeIo io;
    private final boolean startsEmpty;
    private final BackgroundQos background;

    /** @param background the node's background class; null when QoS is not enforced on this node */
    VolumeSink(VolumeIo io, boolean startsEmpty, BackgroundQos background) {
        this.io = io;
        this.startsEmpty = startsEmpty;
        this.background = background;
    }

    private void admit(long bytes) {
        if (background != null) {
            background.admit(BackgroundQos.Work.RESTORE, 1, bytes);
        }
    }

    @Override
    public long sizeBytes() {
        return io.sizeBytes();
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        admit(src.remaining());
        io.write(offset, src, WriteConcern.ACKNOWLEDGED);
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        if (!startsEmpty && length > 0) {
            // A trim moves no data: one request, no bytes.
            admit(0);
            io.trim(offset, length);
        }
    }

    @Override
    public void flush() throws IOException {
        io.flush();
    }
}
