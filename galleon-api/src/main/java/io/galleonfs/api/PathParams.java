package io.galleonfs.api;

/**
 * The rule for a value that fills a {@code {param}} of an API path template, shared by the server (which refuses a bad
 * one with 400) and the CLI (which refuses to send it). The kind of object is the collection segment before the
 * parameter: {@code /volumes/{ref}} takes a volume name or UUID, {@code /snapshots/{name}} a snapshot name,
 * {@code /mounts/{id}} a mount UUID. A collection not listed here still gets the name-or-UUID rule, so a new resource
 * is safe by default.
 */
public final class PathParams {
    private PathParams() {
    }

    /** @throws IllegalArgumentException saying which object the value cannot name and why */
    public static String requireValid(String template, String param, String value) {
        String collection = collectionOf(template, param);
        return switch (collection) {
            case "mounts" -> Names.requireUuid("mount", value);
            case "storage-classes" -> Names.requireReference("storage class", value);
            case "volumes" -> Names.requireReference("volume", value);
            default -> Names.requireReference(singular(collection), value);
        };
    }

    static String collectionOf(String template, String param) {
        String marker = "/{" + param + "}";
        int at = template == null ? -1 : template.indexOf(marker);
        if (at <= 0) {
            return "resource";
        }
        int start = template.lastIndexOf('/', at - 1);
        return template.substring(start + 1, at);
    }

    private static String singular(String collection) {
        if (collection.equals("resource")) {
            return collection;
        }
        String s = collection.endsWith("s") ? collection.substring(0, collection.length() - 1) : collection;
        return s.replace('-', ' ');
    }
}
