package io.galleonfs.node.volume.qos;

/**
 * A token bucket that lends: {@link #take} always succeeds and returns how long the caller must wait until the tokens it
 * took would have been there. Requests are thus delayed in arrival order instead of refused, and a request bigger than
 * the bucket (an 8 MiB write under a 1 MB/s limit) still passes, after its fair delay. Not thread-safe: the owner locks.
 * Time is the caller's nanosecond clock, so tests drive it.
 */
final class TokenBucket {
    private double rate;
    private double capacity;
    private double tokens;
    private long last;

    /** A bucket refilled at {@code rate} tokens a second up to {@code capacity}, starting with {@code initial} tokens. */
    TokenBucket(double rate, double capacity, double initial, long now) {
        if (!(rate > 0) || !(capacity > 0)) {
            throw new IllegalArgumentException("rate and capacity must be positive");
        }
        this.rate = rate;
        this.capacity = capacity;
        this.tokens = Math.min(initial, capacity);
        this.last = now;
    }

    /** Takes {@code n} tokens (possibly into debt); returns the nanoseconds until the debt is repaid, 0 if none. */
    long take(double n, long now) {
        refill(now);
        tokens -= n;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / rate * 1e9);
    }

    /** Takes {@code n} tokens only if they are there now; never goes into debt. */
    boolean tryTake(double n, long now) {
        refill(now);
        if (tokens >= n) {
            tokens -= n;
            return true;
        }
        return false;
    }

    /** Takes {@code n} tokens, possibly into debt, only if the bucket is not in debt now. */
    boolean tryLend(double n, long now) {
        refill(now);
        if (tokens > 0) {
            tokens -= n;
            return true;
        }
        return false;
    }

    /** Changes the refill rate from now on; tokens (and debt) accrued so far are kept. */
    void setRate(double rate, double capacity, long now) {
        refill(now);
        this.rate = rate;
        this.capacity = capacity;
        tokens = Math.min(tokens, capacity);
    }

    double tokens(long now) {
        refill(now);
        return tokens;
    }

    double rate() {
        return rate;
    }

    private void refill(long now) {
        long elapsed = now - last;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * rate / 1e9);
            last = now;
        }
    }
}
