package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

class RecentOpsTest {

    /** The ring as it was before it grew on demand: full size from the start. The growing ring must answer alike. */
    private static final class FullRing {
        final long[] seqs = new long[RecentOps.CAPACITY];
        final long[] first = new long[RecentOps.CAPACITY];
        final int[] counts = new int[RecentOps.CAPACITY];

        void record(long seq, long firstBlock, int count) {
            int i = (int) (seq % RecentOps.CAPACITY);
            seqs[i] = seq;
            first[i] = firstBlock;
            counts[i] = count;
        }

        RoaringBitmap between(long after, long upto) {
            if (upto - after > RecentOps.CAPACITY) {
                return null;
            }
            RoaringBitmap b = new RoaringBitmap();
            for (long s = after + 1; s <= upto; s++) {
                int i = (int) (s % RecentOps.CAPACITY);
                if (seqs[i] != s || counts[i] < 0) {
                    return null;
                }
                b.add(first[i], first[i] + counts[i]);
            }
            return b;
        }
    }

    @Test
    void aVolumeWithoutOperationsHoldsNoRingAndKnowsNoOperation() {
        RecentOps ops = new RecentOps();
        assertEquals(0, ops.capacity());
        assertEquals(new RoaringBitmap(), ops.blocksBetween(5, 5), "nothing asked, nothing missing");
        assertNull(ops.blocksBetween(0, 1), "an operation never recorded here is unknown, not empty");
        ops.record(1, 40, 3);
        assertEquals(RecentOps.INITIAL_CAPACITY, ops.capacity());
        assertEquals(RoaringBitmap.bitmapOf(40, 41, 42), ops.blocksBetween(0, 1));
    }

    @Test
    void anIdleVolumeKeepsASmallRing() {
        RecentOps ops = new RecentOps();
        for (long s = 1; s <= 10; s++) {
            ops.record(s, s * 8, 2);
        }
        assertEquals(RecentOps.INITIAL_CAPACITY, ops.capacity());
        RoaringBitmap expected = new RoaringBitmap();
        for (long s = 4; s <= 10; s++) {
            expected.add(s * 8, s * 8 + 2);
        }
        assertEquals(expected, ops.blocksBetween(3, 10));
    }

    @Test
    void growsToFullCapacityAndAnswersLikeAFullRing() {
        RecentOps ops = new RecentOps();
        FullRing reference = new FullRing();
        Random random = new Random(42);
        long total = RecentOps.CAPACITY + 5_000L;
        for (long s = 1; s <= total; s++) {
            long first = random.nextInt(1 << 20);
            int count = random.nextInt(50) == 0 ? -1 : 1 + random.nextInt(16);
            ops.record(s, first, count);
            reference.record(s, first, count);
            if (s % 9_973 == 0 || s == total) {
                for (long back : new long[] {1, 7, 100, 4_096, RecentOps.CAPACITY - 1, RecentOps.CAPACITY, RecentOps.CAPACITY + 1}) {
                    long after = Math.max(0, s - back);
                    assertEquals(reference.between(after, s), ops.blocksBetween(after, s), "after " + after + " upto " + s);
                }
            }
        }
        assertEquals(RecentOps.CAPACITY, ops.capacity());
        assertNull(ops.blocksBetween(total - RecentOps.CAPACITY - 1, total), "older than the ring");
    }

    @Test
    void anOperationOlderThanTheRingIsForgottenNotMisread() {
        RecentOps ops = new RecentOps();
        ops.record(1, 10, 1);
        ops.record(1 + RecentOps.CAPACITY * 2L, 20, 1); // same slot at every ring size; the first is long gone
        assertNull(ops.blocksBetween(0, 1));
    }
}
