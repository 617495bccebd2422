package io.galleonfs.node.volume.qos;

import java.util.concurrent.locks.LockSupport;

/** How an admitted request waits out its delay. The node's waiter parks the calling (worker or virtual) thread. */
@FunctionalInterface
public interface QosWaiter {
    /** Waits {@code nanos}; returns early (keeping the interrupt flag) when the thread is interrupted. */
    void pause(long nanos);

    QosWaiter PARK = nanos -> {
        long deadline = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    };
}
