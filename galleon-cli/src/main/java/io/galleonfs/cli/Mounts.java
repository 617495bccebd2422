package io.galleonfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The kernel's mount table as the legacy modes need it: what is mounted under their temp directory, and detaching it. */
final class Mounts {
    private static final Path TABLE = Path.of("/proc/self/mounts");

    private Mounts() {
    }

    /** Mount points at or under {@code root}, deepest first. */
    static List<String> under(Path root) throws IOException {
        if (!Files.isReadable(TABLE)) {
            return List.of();
        }
        String prefix = root.toAbsolutePath().normalize().toString();
        List<String> found = new ArrayList<>();
        for (String line : Files.readAllLines(TABLE)) {
            String[] f = line.split(" ");
            if (f.length > 1) {
                String target = unescape(f[1]);
                if (target.equals(prefix) || target.startsWith(prefix + "/")) {
                    found.add(target);
                }
            }
        }
        found.sort(Comparator.comparingInt(String::length).reversed());
        return found;
    }

    static boolean isMounted(Path path) {
        try {
            String p = path.toAbsolutePath().normalize().toString();
            return under(path).stream().anyMatch(p::equals);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Lazily detaches every mount left under {@code root} (a node killed before it could unmount leaves its FUSE mount
     * behind as "transport endpoint is not connected"); fails naming what stays mounted.
     */
    static void detachUnder(Path root) throws IOException, InterruptedException {
        for (String target : under(root)) {
            boolean fusermount = Stream.of("/usr/bin/fusermount", "/bin/fusermount").anyMatch(f -> Files.isExecutable(Path.of(f)));
            Process p = new ProcessBuilder(fusermount ? List.of("fusermount", "-u", "-z", target) : List.of("umount", "-l", target))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        List<String> left = under(root);
        if (!left.isEmpty()) {
            throw new IOException("still mounted: " + String.join(", ", left));
        }
    }

    /** /proc/mounts writes space, tab, newline and backslash as octal escapes. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
