package io.galleonfs.api;

import java.util.regex.Pattern;

/** Validation of user-chosen names: DNS-label-like, as Kubernetes resource names, so they work as paths and export names. */
public final class Names {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern UUID_SHAPE = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private Names() {
    }

    /** @throws IllegalArgumentException naming the rule that was broken */
    public static String requireValid(String kind, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(kind + " name is empty");
        }
        if (!LABEL.matcher(name).matches()) {
            throw new IllegalArgumentException(kind + " name '" + name
                    + "' is invalid: use 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit");
        }
        if (looksLikeUuid(name)) {
            throw new IllegalArgumentException(kind + " name '" + name + "' is invalid: a name may not look like a UUID");
        }
        return name;
    }

    public static boolean looksLikeUuid(String text) {
        return text != null && UUID_SHAPE.matcher(text).matches();
    }
}
