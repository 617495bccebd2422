package io.galleonfs.node.replication;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A clock that moves only when the test says: replication's own deadlines read it through {@link Ticker}, and the
 * {@link InMemoryTransport} schedules its request timeouts on it, so a dropped request fails the moment the test
 * advances past its deadline instead of after real waiting.
 */
final class ManualClock implements Ticker {
    private record Timer(long deadline, long order, java.util.function.BooleanSupplier live, Runnable action) {
    }

    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> a.deadline != b.deadline
            ? Long.compare(a.deadline, b.deadline) : Long.compare(a.order, b.order));
    private long now = 1_000_000_000L;
    private long scheduled;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    /** Runs {@code action} once the clock reaches now + {@code after}, unless {@code live} says it is moot by then. */
    synchronized void schedule(Duration after, java.util.function.BooleanSupplier live, Runnable action) {
        timers.add(new Timer(now + after.toNanos(), scheduled++, live, action));
    }

    /** Whether a timer that still matters is pending (moot ones are dropped on the way). */
    synchronized boolean hasTimers() {
        timers.removeIf(t -> !t.live().getAsBoolean());
        return !timers.isEmpty();
    }

    /** Moves the clock forward and runs the timers that came due (outside the clock's monitor). */
    void advance(Duration d) {
        List<Runnable> due = new ArrayList<>();
        synchronized (this) {
            now += d.toNanos();
            while (!timers.isEmpty() && timers.peek().deadline() <= now) {
                due.add(timers.poll().action());
            }
        }
        due.forEach(Runnable::run);
    }

    /** Moves the clock to the earliest pending timer (if any) and runs what came due. */
    void advanceToNextTimer() {
        long step;
        synchronized (this) {
            if (!hasTimers()) {
                return;
            }
            step = Math.max(0, timers.peek().deadline() - now);
        }
        advance(Duration.ofNanos(step));
    }
}
