package io.galleonfs.node.replication;

import java.util.ArrayDeque;
import java.util.Iterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * A rebuilding replica's record of the blocks written since the primary's recent rebuild checkpoints, so that a primary
 * that crashed in a rebuild can resume it instead of starting over.
 *
 * <p>Why the replica keeps it: a primary's acknowledged writes are not durable on its own disk until it flushes, so after
 * a crash its copy may hold older bytes than the replica for blocks written since its last checkpoint. At each
 * checkpoint the primary sends a mark (in the write stream, after the replica flush), then flushes its own copy and only
 * then saves its cursor with the mark. Every block written after a mark is recorded under it here; a resuming primary
 * asks for the blocks since the mark its cursor names and sends its own bytes of them again. Two generations are kept:
 * a mark is only sent once the previous checkpoint was saved, so no primary resumes from anything older.
 *
 * <p>{@code resetEpoch} names the rebuild this copy belongs to (the epoch of the reset that emptied it): a primary resumes
 * only a rebuild whose reset it sent, never one another primary ran in between. Not thread-safe: the volume's ordered
 * applier thread calls every method.
 */
final class RebuildMarks {
    /** Mark id of the generation that starts at a reset: no checkpoint yet, nothing to resume from. */
    private static final long START = Long.MIN_VALUE;

    private record Generation(long mark, RoaringBitmap blocks) {
    }

    private final ArrayDeque<Generation> generations = new ArrayDeque<>();
    private long resetEpoch;

    /** The copy was emptied by a rebuild reset of {@code epoch}. */
    void reset(long epoch) {
        resetEpoch = epoch;
        generations.clear();
        generations.add(new Generation(START, new RoaringBitmap()));
    }

    /** A checkpoint of the current rebuild: blocks written from now on are recorded under {@code mark}. */
    void mark(long mark) {
        generations.add(new Generation(mark, new RoaringBitmap()));
        while (generations.size() > 2) {
            generations.removeFirst();
        }
    }

    void written(long firstBlock, long lastBlockInclusive) {
        Generation newest = generations.peekLast();
        if (newest != null) {
            newest.blocks().add(firstBlock, lastBlockInclusive + 1);
        }
    }

    long resetEpoch() {
        return resetEpoch;
    }

    /**
     * Every block written since {@code mark} of the rebuild reset at {@code epoch}, or null when this copy cannot say
     * (another rebuild since, or the mark is no longer or never was known here): the primary must start over.
     */
    RoaringBitmap writtenSince(long epoch, long mark) {
        if (epoch == 0 || epoch != resetEpoch) {
            return null;
        }
        RoaringBitmap out = null;
        for (Iterator<Generation> it = generations.iterator(); it.hasNext(); ) {
            Generation g = it.next();
            if (out == null && g.mark() == mark && mark != START) {
                out = new RoaringBitmap();
            }
            if (out != null) {
                out.or(g.blocks());
            }
        }
        return out;
    }
}
