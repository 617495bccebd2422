package io.galleonfs.node.fuse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The kernel's mount table of this process's mount namespace ({@code /proc/self/mounts}). */
final class ProcMounts {
    static final Path TABLE = Path.of("/proc/self/mounts");

    /** One line of the table: what is mounted, where, and as which file-system type. */
    record Entry(String source, String target, String type, String options) {
    }

    private ProcMounts() {
    }

    static List<Entry> read() {
        try {
            return parse(Files.readAllLines(TABLE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + TABLE, e);
        }
    }

    static List<Entry> parse(List<String> lines) {
        List<Entry> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f.length >= 4) {
                out.add(new Entry(unescape(f[0]), unescape(f[1]), f[2], f[3]));
            }
        }
        return out;
    }

    /** Whether something is mounted exactly at {@code path}. */
    static boolean isMountPoint(Path path) {
        String p = path.toString();
        return read().stream().anyMatch(e -> e.target().equals(p));
    }

    /** The kernel writes space, tab, newline and backslash in paths as octal escapes (\040 ...). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
