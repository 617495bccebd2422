package io.galleonfs.api;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Validation of volume labels, shaped like Kubernetes labels so selectors read the same: a key is an optional DNS
 * prefix and '/', then a name of 1-63 letters, digits, '-', '_', '.' starting and ending alphanumeric; a value is empty
 * or such a name.
 */
public final class Labels {
    /** Keeps a volume's labels (and so every Raft entry and listing carrying them) small. */
    public static final int MAX_LABELS = 32;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern PREFIX = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    private Labels() {
    }

    /** @throws IllegalArgumentException naming the first bad key or value */
    public static void requireValid(Map<String, String> labels) {
        if (labels == null) {
            return;
        }
        if (labels.size() > MAX_LABELS) {
            throw new IllegalArgumentException("a volume has at most " + MAX_LABELS + " labels, got " + labels.size());
        }
        labels.forEach((k, v) -> {
            requireKey(k);
            if (v == null || !v.isEmpty() && !NAME.matcher(v).matches()) {
                throw new IllegalArgumentException("label value '" + Names.shown(v == null ? "null" : v) + "' of '" + k
                        + "' is invalid: empty, or 1-63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
            }
        });
    }

    /** @throws IllegalArgumentException when {@code key} is not a valid label key */
    public static String requireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("label key is empty");
        }
        int slash = key.indexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (prefix != null && !PREFIX.matcher(prefix).matches() || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("label key '" + Names.shown(key) + "' is invalid: an optional DNS prefix and '/', then"
                    + " 1-63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
        }
        return key;
    }

    /**
     * Parses {@code key=value} (CLI arguments); a missing '=' is an error, an empty value is allowed.
     *
     * @throws IllegalArgumentException when the text has no '='
     */
    public static Map.Entry<String, String> parse(String text) {
        int eq = text == null ? -1 : text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("label '" + Names.shown(text == null ? "" : text) + "' is not key=value");
        }
        return Map.entry(text.substring(0, eq), text.substring(eq + 1));
    }
}
