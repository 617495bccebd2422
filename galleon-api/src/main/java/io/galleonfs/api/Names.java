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

    /**
     * A reference to an existing object as it may appear in a URL path segment: a UUID or a valid name. Anything else
     * (".", "..", "/", percent-escapes, empty, over-long) can never name an object, so it is refused before it reaches a
     * URL, where a dot segment would be normalised into a path naming a different resource.
     *
     * @throws IllegalArgumentException naming what is wrong, without echoing more than a short prefix of the input
     */
    public static String requireReference(String kind, String ref) {
        if (ref == null || ref.isEmpty()) {
            throw new IllegalArgumentException(kind + " name is empty");
        }
        if (looksLikeUuid(ref)) {
            return ref;
        }
        if (!LABEL.matcher(ref).matches()) {
            throw new IllegalArgumentException(kind + " '" + shown(ref)
                    + "' is not a valid name or UUID: names are 1-63 lowercase letters, digits and '-'");
        }
        return ref;
    }

    /** A server-chosen id (mounts): only a UUID can name one. */
    public static String requireUuid(String kind, String id) {
        if (!looksLikeUuid(id)) {
            throw new IllegalArgumentException(kind + " id '" + shown(id == null ? "" : id) + "' is not a UUID");
        }
        return id;
    }

    /** At most 64 printable characters of untrusted input, so an error message never carries a megabyte or a control character. */
    static String shown(String text) {
        StringBuilder b = new StringBuilder();
        text.codePoints().limit(64).forEach(c -> b.append(c < 0x20 || c == 0x7f ? '?' : Character.toString(c)));
        return text.codePointCount(0, text.length()) > 64 ? b + "..." : b.toString();
    }

    public static boolean looksLikeUuid(String text) {
        return text != null && UUID_SHAPE.matcher(text).matches();
    }
}
