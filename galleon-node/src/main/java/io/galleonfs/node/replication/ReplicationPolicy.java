package io.galleonfs.node.replication;

import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.Optional;

/**
 * How a volume's writes are replicated, from its storage class's parameters ({@code min_replicas},
 * {@code replication_strategy}) with the node's configuration as the default: the minimum of healthy copies below which
 * writes fail, and whether {@code acknowledged}/{@code durable} writes wait for the replicas' answers.
 *
 * @param defaultMinCopies   the node's {@code [replication] min_replicas}
 * @param asynchronousDefault the node's {@code [replication] strategy} is {@code asynchronous}
 */
record ReplicationPolicy(int defaultMinCopies, boolean asynchronousDefault) {
    static final String MIN_REPLICAS = "min_replicas";
    static final String STRATEGY = "replication_strategy";

    /**
     * Copies (the primary's included) that must be healthy for a write of {@code v} to succeed: the class's
     * {@code min_replicas} when it is a positive number, else the node's default; never more than the copies the volume
     * has, so a volume with fewer wanted copies than the minimum stays writable.
     */
    int minHealthyCopies(MetadataState state, VolumeRecord v) {
        int fromClass = classParameter(state, v, MIN_REPLICAS).map(ReplicationPolicy::numberOrNone).orElse(-1);
        int min = fromClass > 0 ? fromClass : defaultMinCopies;
        return Math.min(min, v.replicas());
    }

    /** True when {@code v}'s class (or, without the parameter, the node) replicates asynchronously. */
    boolean asynchronous(MetadataState state, VolumeRecord v) {
        return classParameter(state, v, STRATEGY).map(s -> s.trim().equalsIgnoreCase("asynchronous")).orElse(asynchronousDefault);
    }

    private static Optional<String> classParameter(MetadataState state, VolumeRecord v, String name) {
        return state.storageClass(v.storageClass()).map(c -> c.parameters().get(name));
    }

    /**
     * The API refuses a class whose {@code min_replicas} is not a number from 1 to 16; one committed to metadata some
     * other way may still hold anything, and such a value counts as absent rather than failing every write.
     */
    private static int numberOrNone(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
