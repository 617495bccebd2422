package io.galleonfs.node.ingress;

import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The limits every network ingress of a node applies to its clients. Defaults suit any node; the {@code galleon.ingress.*}
 * system properties override them (tests shorten the timeouts).
 *
 * @param clientBudgetBytes what NBD clients together may make the node hold (payloads arriving, requests and replies in flight)
 * @param peerBudgetBytes the same for the replication data plane; separate, so client floods cannot starve replication
 * @param readTimeout a request whose bytes stop arriving this long (no progress mid-request) closes its connection
 * @param handshakeTimeout a connection that has not finished its handshake this long after it opened is closed
 * @param maxConnections connections per listener (NBD, data plane); more are closed on accept
 * @param maxConnectionsPerAddress connections per listener from one source address
 */
public record IngressLimits(long clientBudgetBytes, long peerBudgetBytes, Duration readTimeout, Duration handshakeTimeout,
                            int maxConnections, int maxConnectionsPerAddress) {
    static final long DEFAULT_BUDGET = 256L << 20;
    static final long MIN_BUDGET = 64L << 20;

    public IngressLimits {
        if (clientBudgetBytes <= 0 || peerBudgetBytes <= 0 || maxConnections <= 0 || maxConnectionsPerAddress <= 0
                || readTimeout.isNegative() || readTimeout.isZero() || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("ingress limits must be positive: " + this);
        }
    }

    /** The defaults for a JVM with {@code maxHeap} bytes of heap: each budget is 256 MiB, or an eighth of a smaller heap. */
    public static IngressLimits defaults(long maxHeap) {
        long budget = Math.max(MIN_BUDGET, Math.min(DEFAULT_BUDGET, maxHeap / 8));
        return new IngressLimits(budget, budget, Duration.ofSeconds(30), Duration.ofSeconds(10), 1024, 256);
    }

    /** The defaults overridden by the {@code galleon.ingress.*} keys {@code property} knows. */
    public static IngressLimits from(UnaryOperator<String> property, long maxHeap) {
        IngressLimits d = defaults(maxHeap);
        return new IngressLimits(
                longOr(property, "galleon.ingress.client-budget-bytes", d.clientBudgetBytes()),
                longOr(property, "galleon.ingress.peer-budget-bytes", d.peerBudgetBytes()),
                Duration.ofMillis(longOr(property, "galleon.ingress.read-timeout-ms", d.readTimeout().toMillis())),
                Duration.ofMillis(longOr(property, "galleon.ingress.handshake-timeout-ms", d.handshakeTimeout().toMillis())),
                (int) longOr(property, "galleon.ingress.max-connections", d.maxConnections()),
                (int) longOr(property, "galleon.ingress.max-connections-per-address", d.maxConnectionsPerAddress()));
    }

    private static long longOr(UnaryOperator<String> property, String key, long fallback) {
        String v = property.apply(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, got '" + v + "'", e);
        }
    }
}
