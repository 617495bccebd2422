package io.galleonfs.node.replication;

/**
 * The time source replication reads its own deadlines from (the catch-up wait). A node uses the system's monotonic
 * clock; tests drive a manual one so timeouts fire when the test says, not after real waiting.
 */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();
}
