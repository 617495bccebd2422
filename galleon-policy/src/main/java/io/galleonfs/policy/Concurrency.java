package io.galleonfs.policy;

import java.util.Locale;

/** What a new firing does while an earlier run of the same policy is still running (Kubernetes' concurrencyPolicy). */
public enum Concurrency {
    /** The new firing is skipped and recorded as such. */
    FORBID,
    /** Both run. */
    ALLOW,
    /** The running one is marked replaced (its completion is refused) and the new one runs. */
    REPLACE;

    public static Concurrency parse(String text) {
        if (text == null || text.isBlank()) {
            return FORBID;
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("concurrency '" + text + "' is not one of forbid, allow, replace", e);
        }
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
