package io.galleonfs.node.replication;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the replication layer, exported as Prometheus meters by the node. */
public final class ReplicationMetrics {
    public final LongAdder repairedBlocks = new LongAdder();
    public final LongAdder resyncBytes = new LongAdder();
    public final LongAdder rebuildBytes = new LongAdder();
    public final LongAdder failovers = new LongAdder();
    public final LongAdder staleMarks = new LongAdder();
    /** Replica operations sent but not yet answered, summed over volumes (asynchronous lag). */
    public final AtomicLong lagOps = new AtomicLong();
}
