package io.galleonfs.engine;

/** Engine-wide machinery shared by all volumes of one {@link BlockEngine}. */
final class EngineCore {
    final EngineConfig config;
    final StripedLocks locks = new StripedLocks();
    final JournalQueue queue = new JournalQueue();
    final JournalProgress progress = new JournalProgress();
    final BackPressure backPressure;
    final EngineCounters counters = new EngineCounters();
    final Maintenance maintenance = new Maintenance();

    EngineCore(EngineConfig config) {
        this.config = config;
        this.backPressure = new BackPressure(config.maxDirtyBytes());
    }
}
