package io.galleonfs.engine.lsm;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BlockStripesTest {
    private static final UUID VOL = new UUID(0x5151_0000L, 0x7e57L);

    @Test
    void everyBlockOfALockedRangeIsCoveredByTheStripeItsReadModifyWriteTakes() {
        BlockStripes stripes = new BlockStripes();
        SplittableRandom random = new SplittableRandom(18);
        for (int i = 0; i < 2_000; i++) {
            long first = random.nextLong(1L << 30);
            int count = 1 + random.nextInt(600);
            int[] locked = stripes.lock(VOL, first, count);
            try {
                for (int k = 0; k < count; k++) {
                    int stripe = stripes.stripeOf(VOL, first + k);
                    assertTrue(Arrays.binarySearch(locked, stripe) >= 0,
                            "block " + (first + k) + " of range " + first + "+" + count + " is not under the range's stripes");
                    assertTrue(stripes.lockOf(VOL, first + k).isHeldByCurrentThread());
                }
            } finally {
                stripes.unlock(locked);
            }
        }
    }

    @Test
    void aOneMebibyteWriteHoldsAStripePerGroupNotPerBlock() {
        BlockStripes stripes = new BlockStripes();
        int[] aligned = stripes.lock(VOL, 256 * 40, 256);
        stripes.unlock(aligned);
        assertTrue(aligned.length <= 256 / BlockStripes.GROUP_BLOCKS, "aligned 1 MiB: " + aligned.length + " stripes");
        int[] unaligned = stripes.lock(VOL, 256 * 40 + 3, 256);
        stripes.unlock(unaligned);
        assertTrue(unaligned.length <= 256 / BlockStripes.GROUP_BLOCKS + 1, "unaligned 1 MiB: " + unaligned.length + " stripes");
        assertEquals(1, IntStream.range(0, BlockStripes.GROUP_BLOCKS)
                .map(b -> stripes.stripeOf(VOL, 160 + b)).distinct().count(), "one group, one stripe");
    }

    @Test
    void concurrentLargeWritesOfDisjointRangesDoNotWaitForEachOther() throws Exception {
        BlockStripes stripes = new BlockStripes();
        // The first 1 MiB ranges whose stripe sets are disjoint (fixed by the hash; most pairs are).
        long a = 0;
        long b = -1;
        int[] first = stripes.lock(VOL, a, 256);
        stripes.unlock(first);
        for (long candidate = 256; b < 0 && candidate <= 256 * 64; candidate += 256) {
            int[] other = stripes.lock(VOL, candidate, 256);
            stripes.unlock(other);
            if (Arrays.stream(other).noneMatch(s -> Arrays.binarySearch(first, s) >= 0)) {
                b = candidate;
            }
        }
        assertTrue(b > 0 && b <= 256 * 8, "disjoint 1 MiB ranges should not be rare: found the first at block " + b);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            int[] held = stripes.lock(VOL, 0, 256);
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stripes.unlock(held);
            }
        });
        holding.await();
        long second = b;
        CompletableFuture<Void> other = CompletableFuture.runAsync(() -> stripes.unlock(stripes.lock(VOL, second, 256)));
        try {
            await().atMost(Duration.ofSeconds(10)).until(other::isDone);
            other.join();
        } finally {
            release.countDown();
            holder.join();
        }
    }
}
