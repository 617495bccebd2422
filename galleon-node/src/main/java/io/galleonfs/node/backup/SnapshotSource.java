package io.galleonfs.node.backup;

import io.galleonfs.backup.BackupSource;
import io.galleonfs.node.blockio.VolumeIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.roaringbitmap.RoaringBitmap;

/** A volume snapshot as a backup source: reads go through the volume's I/O seam (verified, decrypted engine reads). */
final class SnapshotSource implements BackupSource {
    private final VolumeIo io;
    private final String snapshot;
    private final long sizeBytes;
    private final int blockSize;
    private final RoaringBitmap blocks;
    final AtomicLong bytesRead = new AtomicLong();

    SnapshotSource(VolumeIo io, String snapshot, long sizeBytes, int blockSize, RoaringBitmap blocks) {
        this.io = io;
        this.snapshot = snapshot;
        this.sizeBytes = sizeBytes;
        this.blockSize = blockSize;
        this.blocks = blocks;
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public RoaringBitmap blocksToRead() {
        return blocks;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        bytesRead.addAndGet(dst.remaining());
        io.readSnapshot(snapshot, offset, dst);
    }
}
