package io.galleonfs.engine;

import java.nio.ByteBuffer;
import org.roaringbitmap.RoaringBitmap;

/** A record waiting in the journal queue: its encoded bytes and what applying it changes. */
sealed interface JournalEntry {
    Layer layer();

    /** Buffers written to the journal file, in order. */
    ByteBuffer[] encoded();

    /** Bytes held in memory until the entry is applied (back-pressure accounting). */
    long dirtyBytes();

    /** A WRITE (pending.stored != null) or ZERO record for one block. */
    record Block(PendingBlock pending, ByteBuffer[] encoded) implements JournalEntry {
        @Override
        public Layer layer() {
            return pending.layer();
        }

        @Override
        public long dirtyBytes() {
            return pending.stored() == null ? JournalCodec.HEADER_BYTES : pending.stored().remaining();
        }
    }

    /**
     * Discards blocks [firstBlock, firstBlock + count) of a layer; the blocks of {@code zeroBlocks} become
     * ZERO (they hide data of ancestor layers), the others ABSENT.
     */
    record Trim(Layer layer, long firstBlock, long count, RoaringBitmap zeroBlocks, ByteBuffer[] encoded)
            implements JournalEntry {
        @Override
        public long dirtyBytes() {
            return JournalCodec.HEADER_BYTES;
        }
    }
}
