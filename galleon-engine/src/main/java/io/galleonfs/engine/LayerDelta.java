package io.galleonfs.engine;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The blocks one layer holds: per block ABSENT (look in the parent), DATA (crc, seq, tag) or ZERO
 * (reads as zeros, hides the parent). Stored in chunks allocated on first touch.
 *
 * <p>Mutated only by the journal thread (or by recovery before any other thread exists); each block is
 * mutated and read under its stripe lock, which orders the per-block array slots between threads.</p>
 */
final class LayerDelta {
    static final byte ABSENT = 0;
    static final byte DATA = 1;
    static final byte ZERO = 2;
    static final int TAG_BYTES = 16;

    static final class Chunk {
        final byte[] state = new byte[ChunkDirectory.CHUNK_SIZE];
        final int[] crc = new int[ChunkDirectory.CHUNK_SIZE];
        final long[] seq = new long[ChunkDirectory.CHUNK_SIZE];
        final byte[] tags;
        int present;

        Chunk(boolean withTags) {
            tags = withTags ? new byte[ChunkDirectory.CHUNK_SIZE * TAG_BYTES] : null;
        }
    }

    @FunctionalInterface
    interface BlockVisitor {
        void visit(long block, byte state) throws IOException;
    }

    private final boolean withTags;
    private final ChunkDirectory<Chunk> chunks;
    private final AtomicLong dataBlocks = new AtomicLong();

    LayerDelta(boolean withTags) {
        this.withTags = withTags;
        this.chunks = new ChunkDirectory<>(() -> new Chunk(withTags));
    }

    boolean withTags() {
        return withTags;
    }

    byte state(long block) {
        Chunk c = chunks.get(block);
        return c == null ? ABSENT : c.state[ChunkDirectory.offsetInChunk(block)];
    }

    /** The version of a DATA block, or null. */
    BlockVersion version(long block) {
        Chunk c = chunks.get(block);
        if (c == null) {
            return null;
        }
        int i = ChunkDirectory.offsetInChunk(block);
        if (c.state[i] != DATA) {
            return null;
        }
        byte[] tag = null;
        if (c.tags != null) {
            tag = new byte[TAG_BYTES];
            System.arraycopy(c.tags, i * TAG_BYTES, tag, 0, TAG_BYTES);
        }
        return new BlockVersion(c.crc[i], c.seq[i], tag);
    }

    void setData(long block, int crc, long seq, byte[] tag) {
        Chunk c = chunks.getOrCreate(block);
        int i = ChunkDirectory.offsetInChunk(block);
        byte before = c.state[i];
        c.crc[i] = crc;
        c.seq[i] = seq;
        if (c.tags != null) {
            if (tag == null || tag.length != TAG_BYTES) {
                throw new IllegalArgumentException("encrypted block " + block + " needs a 16-byte GCM tag");
            }
            System.arraycopy(tag, 0, c.tags, i * TAG_BYTES, TAG_BYTES);
        }
        c.state[i] = DATA;
        if (before != DATA) {
            dataBlocks.incrementAndGet();
        }
        if (before == ABSENT) {
            c.present++;
        }
    }

    void setZero(long block) {
        Chunk c = chunks.getOrCreate(block);
        int i = ChunkDirectory.offsetInChunk(block);
        byte before = c.state[i];
        c.state[i] = ZERO;
        if (before == DATA) {
            dataBlocks.decrementAndGet();
        }
        if (before == ABSENT) {
            c.present++;
        }
    }

    void clear(long block) {
        Chunk c = chunks.get(block);
        if (c == null) {
            return;
        }
        int i = ChunkDirectory.offsetInChunk(block);
        byte before = c.state[i];
        if (before == ABSENT) {
            return;
        }
        c.state[i] = ABSENT;
        if (before == DATA) {
            dataBlocks.decrementAndGet();
        }
        if (--c.present == 0) {
            chunks.remove(block);
        }
    }

    long dataBlocks() {
        return dataBlocks.get();
    }

    /** Visits every non-ABSENT block in [fromBlock, toBlock) in ascending order. */
    void forEachPresent(long fromBlock, long toBlock, BlockVisitor visitor) throws IOException {
        chunks.forEach(fromBlock, toBlock, (first, chunk) -> {
            for (int i = 0; i < ChunkDirectory.CHUNK_SIZE; i++) {
                long block = first + i;
                byte s = chunk.state[i];
                if (s != ABSENT && block >= fromBlock && block < toBlock) {
                    visitor.visit(block, s);
                }
            }
        });
    }

    /** Whether any block in [fromBlock, toBlock) is not ABSENT. */
    boolean anyPresent(long fromBlock, long toBlock) throws IOException {
        boolean[] found = {false};
        chunks.forEach(fromBlock, toBlock, (first, chunk) -> {
            if (found[0]) {
                return;
            }
            int from = (int) Math.max(0, fromBlock - first);
            int to = (int) Math.min(ChunkDirectory.CHUNK_SIZE, toBlock - first);
            for (int i = from; i < to; i++) {
                if (chunk.state[i] != ABSENT) {
                    found[0] = true;
                    return;
                }
            }
        });
        return found[0];
    }

    void forEachPresent(BlockVisitor visitor) throws IOException {
        forEachPresent(0, Long.MAX_VALUE >>> 1, visitor);
    }
}
