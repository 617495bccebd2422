package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.VolumeMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The read-cache hit ratio in {@code volume metrics} (snapshot and --watch) and {@code top}. */
class VolumeMetricsOutputTest {
    private static final VolumeMetrics.Latency L = new VolumeMetrics.Latency(0.1, 0.2, 0.3);
    private static final VolumeMetrics.Totals T = new VolumeMetrics.Totals(1, 2, 0, 0, 4096, 8192, 0, 0, 0, 0, 0);

    private static VolumeMetrics encrypted() {
        VolumeMetrics.Window s = new VolumeMetrics.Window(1, 400, 0, 0, 0, 1.6, 0, 0, L, L, 300, 100, 0.75);
        VolumeMetrics.Window t = new VolumeMetrics.Window(10, 40, 0, 0, 0, 0.2, 0, 0, L, L, 10, 30, 0.25);
        return new VolumeMetrics("secret", "id-1", "default", "n1", 0, 2, s, t, T);
    }

    private static VolumeMetrics plain() {
        VolumeMetrics.Window w = new VolumeMetrics.Window(1, 400, 0, 0, 0, 1.6, 0, 0, L, L);
        return new VolumeMetrics("plain", "id-2", "default", "n1", 0, 0, w, w, T);
    }

    private static String print(java.util.function.Consumer<PrintStream> p) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(b, true, StandardCharsets.UTF_8)) {
            p.accept(o);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void ratioIsAPercentageOrADashWithoutCachedReads() {
        assertEquals("75.0%", VolumeMetricsCommand.hitRatio(0.75));
        assertEquals("0.0%", VolumeMetricsCommand.hitRatio(0.0));
        assertEquals("-", VolumeMetricsCommand.hitRatio(null));
    }

    @Test
    void watchLineEndsWithTheLastSecondsRatio() {
        assertTrue(VolumeMetricsCommand.watchLine("12:00:00", encrypted()).strip().endsWith("75.0%"));
        assertTrue(VolumeMetricsCommand.watchLine("12:00:00", plain()).strip().endsWith(" -"));
    }

    @Test
    void snapshotShowsBothWindows() {
        String text = print(o -> VolumeMetricsCommand.snapshot(o, encrypted()));
        assertTrue(text.lines().anyMatch(l -> l.startsWith("Read cache hit ratio (1s/10s)") && l.endsWith("75.0% / 25.0%")), text);
        String none = print(o -> VolumeMetricsCommand.snapshot(o, plain()));
        assertTrue(none.lines().anyMatch(l -> l.startsWith("Read cache hit ratio (1s/10s)") && l.endsWith("- / -")), none);
    }

    @Test
    void topHasARatioColumn() {
        String text = print(o -> TopVolumesCommand.table(o, List.of(encrypted(), plain())));
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).contains("RCACHE"), text);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("secret") && l.contains("75.0%")), text);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("plain") && l.contains(" - ")), text);
    }
}
