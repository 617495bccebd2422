package io.galleonfs.node.backup;

import io.galleonfs.backup.RestoreSink;
import io.galleonfs.engine.WriteConcern;
import io.galleonfs.node.volume.VolumeIo;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A volume as a restore sink, written through the I/O seam (so the primary orders the writes and ships them to the
 * replicas). A new volume starts as zeros, so zero ranges are skipped; in place they are trimmed.
 */
final class VolumeSink implements RestoreSink {
    private final VolumeIo io;
    private final boolean startsEmpty;

    VolumeSink(VolumeIo io, boolean startsEmpty) {
        this.io = io;
        this.startsEmpty = startsEmpty;
    }

    @Override
    public long sizeBytes() {
        return io.sizeBytes();
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        io.write(offset, src, WriteConcern.ACKNOWLEDGED);
    }

    @Override
    public void writeZeros(long offset, long length) throws IOException {
        if (!startsEmpty && length > 0) {
            io.trim(offset, length);
        }
    }

    @Override
    public void flush() throws IOException {
        io.flush();
    }
}
