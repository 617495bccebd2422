package io.galleonfs.node.placement;

import java.util.Locale;

/** How new replicas are ranked. */
public enum Strategy {
    /** Maximise the number of distinct zones (round-robin over zones), most free bytes first within a zone. */
    SPREAD,
    /** Most free bytes first (free/capacity ratio as tie-breaker, then node id), regardless of zone. */
    BALANCED;

    /**
     * Parses {@code "spread"} or {@code "balanced"}, case-insensitive, surrounding whitespace ignored.
     *
     * @throws IllegalArgumentException with a readable message for anything else (including {@code null})
     */
    public static Strategy parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("placement strategy is missing; expected 'spread' or 'balanced'");
        }
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "spread" -> SPREAD;
            case "balanced" -> BALANCED;
            default -> throw new IllegalArgumentException(
                    "unknown placement strategy '" + text.strip() + "'; expected 'spread' or 'balanced'");
        };
    }

    /** The lower-case name used in storage class parameters. */
    public String parameterValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
