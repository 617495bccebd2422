package io.galleonfs.engine;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Free space for a write path's admission: statvfs is cheap but not free, so a sample younger than 2 ms is reused. Both
 * engines' guards leave a margin (the reserve, a segment) that covers what is written between two samples.
 */
public final class SampledFreeSpace {
    private static final Logger LOG = Logger.getLogger(SampledFreeSpace.class);
    private static final long MAX_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final FreeSpace probe;
    private volatile long sample;
    private volatile long sampledAt;
    private volatile boolean sampled;

    public SampledFreeSpace(FreeSpace probe) {
        this.probe = probe;
    }

    /** Free bytes now (a fresh statvfs), or -1 when they cannot be measured. */
    public long now() {
        try {
            long v = probe.availableBytes();
            sample = v;
            sampledAt = System.nanoTime();
            sampled = true;
            return v;
        } catch (IOException e) {
            LOG.debugf("cannot measure free space: %s", e.toString());
            return -1;
        }
    }

    /** Free bytes as of at most 2 ms ago, or -1 when they cannot be measured. */
    public long recent() {
        if (sampled && System.nanoTime() - sampledAt < MAX_AGE_NANOS) {
            return sample;
        }
        return now();
    }

    /** Space was freed: the next {@link #recent} measures again. */
    public void forget() {
        sampled = false;
    }
}
