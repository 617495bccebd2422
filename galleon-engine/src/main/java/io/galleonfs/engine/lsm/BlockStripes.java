package io.galleonfs.engine.lsm;

import java.util.BitSet;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The locks that keep a read-modify-write of a block from undoing a concurrent write of it: one table for all the
 * volumes of an engine, a (volume, group of {@value #GROUP_BLOCKS} blocks) pair hashed onto one of its stripes. A
 * table per volume held 1,024 locks (~53 KB) for every volume, idle or not: 530 MB of heap for 10,000 volumes. Shared,
 * two volumes' blocks sometimes meet on one stripe; with 4,096 stripes and a handful of writes in flight that is rare
 * and only costs a short wait.
 * <p>
 * Why groups: with every block hashed on its own, a 1 MiB write (256 blocks) held ~250 stripes scattered over the
 * table, so any two concurrent 1 MiB writes of disjoint blocks shared a stripe and ran one after the other. (On ext4
 * the segment's inode lock serialises direct writes into fresh extents as well, so removing this did not raise the
 * 1 MiB rate there: BENCHMARKS.md, "The 4 KiB write path's CPU, and what bounds 1 MiB and durable writes".) A group of
 * 16 blocks (64 KiB) keeps a 1 MiB write to 16–17 stripes, while two random 4 KiB writes share a stripe only when
 * they fall in the same 64 KiB or the hash puts their groups together.
 * <p>
 * A caller locks the stripes of one range in ascending stripe order and never holds stripes while it locks more, so
 * no two callers can deadlock, whatever volumes they write.
 */
final class BlockStripes {
    private static final int BITS = 12;
    private static final int STRIPES = 1 << BITS;
    /** Blocks of a volume that share a stripe: aligned groups of this many. */
    static final int GROUP_BLOCKS = 16;
    private static final int GROUP_SHIFT = Integer.numberOfTrailingZeros(GROUP_BLOCKS);

    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

    BlockStripes() {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    int stripeOf(UUID volume, long block) {
        long h = ((block >>> GROUP_SHIFT) ^ volume.getLeastSignificantBits() ^ Long.rotateLeft(volume.getMostSignificantBits(), 29))
                * 0x9E3779B97F4A7C15L;
        return (int) (h >>> (64 - BITS));
    }

    ReentrantLock lockOf(UUID volume, long block) {
        return locks[stripeOf(volume, block)];
    }

    /** Locks the stripes of blocks [first, first + count) of {@code volume} in ascending order; returns them for {@link #unlock}. */
    int[] lock(UUID volume, long first, int count) {
        if (count == 1) {
            int s = stripeOf(volume, first);
            locks[s].lock();
            return new int[] {s};
        }
        BitSet set = new BitSet(STRIPES);
        for (long group = first >>> GROUP_SHIFT, last = (first + count - 1) >>> GROUP_SHIFT; group <= last; group++) {
            set.set(stripeOf(volume, group << GROUP_SHIFT));
        }
        int[] order = set.stream().toArray();
        for (int s : order) {
            locks[s].lock();
        }
        return order;
    }

    /** Locks the stripes of the given blocks of {@code volume} (any order, repeats allowed) in ascending order. */
    int[] lockAll(UUID volume, long[] blocks) {
        BitSet set = new BitSet(STRIPES);
        for (long block : blocks) {
            set.set(stripeOf(volume, block));
        }
        int[] order = set.stream().toArray();
        for (int s : order) {
            locks[s].lock();
        }
        return order;
    }

    void unlock(int[] locked) {
        for (int i = locked.length - 1; i >= 0; i--) {
            locks[locked[i]].unlock();
        }
    }
}
