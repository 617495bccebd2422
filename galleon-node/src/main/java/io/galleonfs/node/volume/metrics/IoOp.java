package io.galleonfs.node.volume.metrics;

import java.util.Locale;

/** The kinds of block I/O a volume serves; the lower-case name is the {@code op} label of the exported metrics. */
public enum IoOp {
    READ, WRITE, TRIM, FLUSH;

    public static final int COUNT = values().length;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
