package io.galleonfs.engine;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Fixed pool of block locks shared by all volumes: memory independent of volume count and size,
 * contention only on hash collisions. Holders never take a second stripe, so stripes cannot deadlock.
 */
final class StripedLocks {
    private static final int STRIPES = 1024;
    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

    StripedLocks() {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    ReentrantLock lock(long volumeSalt, long block) {
        long h = (volumeSalt ^ block) * 0x9E3779B97F4A7C15L;
        return locks[(int) (h >>> 54)];
    }
}
