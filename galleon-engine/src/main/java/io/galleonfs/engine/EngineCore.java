package io.galleonfs.engine;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/** Engine-wide machinery shared by all volumes of one {@link LayerEngine}. */
final class EngineCore {
    final EngineConfig config;
    final StripedLocks locks = new StripedLocks();
    final JournalQueue queue = new JournalQueue();
    final JournalProgress progress = new JournalProgress();
    final BackPressure backPressure;
    final SpaceGuard space;
    final EngineCounters counters = new EngineCounters();
    final Maintenance maintenance = new Maintenance();
    /**
     * Held by the apply thread while it applies a batch. A volume delete marks its layers dropped and then
     * takes it once: every later apply sees the mark, so no apply can write a file being deleted.
     */
    final ReentrantLock applying = new ReentrantLock();
    volatile DiskFaults faults = DiskFaults.NONE;
    /** Decrypted blocks of encrypted volumes; null when the configured bound is 0. */
    final DecryptedBlockCache decrypted;

    EngineCore(EngineConfig config) throws IOException {
        this.config = config;
        this.backPressure = new BackPressure(config.maxDirtyBytes());
        FreeSpace probe = config.freeSpace() != null ? config.freeSpace() : FreeSpace.of(config.root());
        this.space = new SpaceGuard(probe, config.reservedBytes(), backPressure);
        this.decrypted = DecryptedBlockCache.ofBytes(config.readCacheBytes());
    }
}
