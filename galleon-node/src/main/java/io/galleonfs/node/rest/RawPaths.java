package io.galleonfs.node.rest;

/**
 * Judges a request path exactly as it arrived, before any normalisation. HTTP stacks resolve dot segments
 * ({@code /volumes/v/snapshots/..} becomes {@code /volumes/v}), so a path that needs resolving could name a different
 * resource than the one the client meant; such a path, or one with an escaped separator, is refused outright.
 */
final class RawPaths {
    static final int MAX_PATH = 2048;

    private RawPaths() {
    }

    /** Why {@code raw} is refused, or {@code null} when it is a plain path. */
    static String problem(String raw) {
        if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
            return "the request path must start with '/'";
        }
        if (raw.length() > MAX_PATH) {
            return "the request path is longer than " + MAX_PATH + " characters";
        }
        String[] segments = raw.split("/", -1);
        for (int i = 1; i < segments.length; i++) {
            String decoded = decode(segments[i]);
            if (decoded == null) {
                return "the request path has a malformed percent-escape";
            }
            if (decoded.equals(".") || decoded.equals("..")) {
                return "the request path has a '" + decoded + "' segment: name objects by their names, never by relative paths";
            }
            if (decoded.isEmpty() && i < segments.length - 1) {
                return "the request path has an empty segment ('//')";
            }
            for (int c = 0; c < decoded.length(); c++) {
                char ch = decoded.charAt(c);
                if (ch == '/' || ch == '\\' || ch < 0x20 || ch == 0x7f) {
                    return "the request path has an escaped separator or control character in a segment";
                }
            }
        }
        return null;
    }

    /** Percent-decodes one segment to chars (bytes above 0x7f stay as their Latin-1 chars: only ASCII matters here). */
    private static String decode(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        StringBuilder b = new StringBuilder(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char ch = segment.charAt(i);
            if (ch != '%') {
                b.append(ch);
                continue;
            }
            if (i + 2 >= segment.length()) {
                return null;
            }
            int hi = Character.digit(segment.charAt(i + 1), 16);
            int lo = Character.digit(segment.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            b.append((char) (hi << 4 | lo));
            i += 2;
        }
        return b.toString();
    }
}
