package io.galleonfs.node.ingress;

import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Counts a listener's open connections, in total and per source address, and refuses new ones over the limits, so that
 * connections which cost the node a little each (buffers, timers, a virtual thread) cannot be opened without bound.
 * Refusals are logged at most once per 10 s with their count. Thread-safe.
 */
public final class ConnectionLimiter {
    private static final Logger LOG = Logger.getLogger(ConnectionLimiter.class);
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final String listener;
    private final int max;
    private final int maxPerAddress;
    private final Map<String, Integer> perAddress = new HashMap<>();
    private int open;
    private long refusedSinceLog;
    private long lastLog = System.nanoTime() - LOG_EVERY_NANOS;

    public ConnectionLimiter(String listener, int max, int maxPerAddress) {
        this.listener = listener;
        this.max = max;
        this.maxPerAddress = maxPerAddress;
    }

    /** True when the connection may stay; it must then be {@link #release released} when it closes. */
    public boolean tryAdmit(String address) {
        String refusal;
        synchronized (this) {
            int fromThere = perAddress.getOrDefault(address, 0);
            if (open < max && fromThere < maxPerAddress) {
                open++;
                perAddress.put(address, fromThere + 1);
                return true;
            }
            refusedSinceLog++;
            long now = System.nanoTime();
            if (now - lastLog < LOG_EVERY_NANOS) {
                return false;
            }
            refusal = open >= max ? open + " connections are open (limit " + max + ")"
                    : fromThere + " connections from " + address + " are open (limit " + maxPerAddress + " per address)";
            refusal = refusedSinceLog + " connection(s) refused since the last report: " + refusal;
            refusedSinceLog = 0;
            lastLog = now;
        }
        LOG.warnf("%s: %s", listener, refusal);
        return false;
    }

    public synchronized void release(String address) {
        Integer fromThere = perAddress.get(address);
        if (fromThere == null) {
            return;
        }
        open--;
        if (fromThere == 1) {
            perAddress.remove(address);
        } else {
            perAddress.put(address, fromThere - 1);
        }
    }

    public synchronized int open() {
        return open;
    }
}
