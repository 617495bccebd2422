package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.roaringbitmap.PeekableIntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Copies the content of a volume (live view or one snapshot) into a new volume through the normal read
 * and write paths: checksums are verified on the way out, the target encrypts with its own data key.
 * Only blocks some layer stores are visited and all-zero blocks are skipped, so the clone stays thin.
 */
final class VolumeCopier {
    private static final int MAX_RUN_BYTES = 1 << 20;

    private VolumeCopier() {
    }

    static void copy(VolumeImpl source, String snapshotOrNull, VolumeImpl target) throws IOException {
        int bs = source.blockSize;
        int maxRun = Math.max(1, MAX_RUN_BYTES / bs);
        RoaringBitmap blocks = source.inspector.candidateBlocks(snapshotOrNull);
        PeekableIntIterator it = blocks.getIntIterator();
        long runStart = -1;
        int runLength = 0;
        while (it.hasNext()) {
            long block = Integer.toUnsignedLong(it.next());
            if (runLength > 0 && block == runStart + runLength && runLength < maxRun) {
                runLength++;
                continue;
            }
            if (runLength > 0) {
                copyRun(source, snapshotOrNull, target, runStart, runLength);
            }
            runStart = block;
            runLength = 1;
        }
        if (runLength > 0) {
            copyRun(source, snapshotOrNull, target, runStart, runLength);
        }
        target.flush();
    }

    private static void copyRun(VolumeImpl source, String snapshotOrNull, VolumeImpl target, long firstBlock,
                                int blocks) throws IOException {
        int bs = source.blockSize;
        long offset = firstBlock * bs;
        ByteBuffer buf = ByteBuffer.allocate(blocks * bs);
        if (snapshotOrNull == null) {
            source.read(offset, buf);
        } else {
            source.readSnapshot(snapshotOrNull, offset, buf);
        }
        for (int i = 0; i < blocks; i++) {
            ByteBuffer block = buf.slice(i * bs, bs);
            if (!Buffers.isZero(block)) {
                target.write(offset + (long) i * bs, block, WriteConcern.ACKNOWLEDGED);
            }
        }
    }
}
