package io.galleonfs.node.meta;

/**
 * How current one copy of a volume is, as the primary last reported it: {@code healthy} (gets every write),
 * {@code stale} (missed writes; catches up when it returns), {@code rebuilding} (being copied, {@code progress} 0-100)
 * or {@code failed}.
 */
public record ReplicaRecord(String state, int progress) {
    public static final String HEALTHY = "healthy";
    public static final String STALE = "stale";
    public static final String REBUILDING = "rebuilding";
    public static final String FAILED = "failed";

    public static final ReplicaRecord HEALTHY_COPY = new ReplicaRecord(HEALTHY, 100);

    public boolean healthy() {
        return HEALTHY.equals(state);
    }
}
