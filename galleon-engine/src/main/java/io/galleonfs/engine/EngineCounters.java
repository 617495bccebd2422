package io.galleonfs.engine;

import java.util.concurrent.atomic.LongAdder;

final class EngineCounters {
    final LongAdder durableWrites = new LongAdder();
    final LongAdder fsyncs = new LongAdder();
}
