package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressLineTest {

    @Test
    void aKnownTotalShowsPercentAndRate() {
        ProgressLine p = new ProgressLine(System.err, true, "importing", 100L << 20);
        String line = p.line(25L << 20, System.nanoTime());
        assertTrue(line.startsWith("importing  25% 25.0 MiB of 100.0 MiB"), line);
        assertTrue(line.endsWith("MB/s"), line);
    }

    @Test
    void anUnknownTotalShowsBytesOnly() {
        String line = new ProgressLine(System.err, true, "importing", 0).line(3L << 20, System.nanoTime());
        assertTrue(line.startsWith("importing 3.0 MiB  "), line);
    }

    @Test
    void offATerminalAPlainLineEveryTenSecondsAndNothingForAShortTransfer() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long start = System.nanoTime();
        ProgressLine p = new ProgressLine(new PrintStream(out, true, StandardCharsets.UTF_8), false, "exporting", 100L << 20);
        p.update(5L << 20, start + 9_000_000_000L);
        assertEquals(0, out.size(), "a transfer shorter than ten seconds prints no progress");
        p.update(10L << 20, start + 10_500_000_000L);
        p.update(15L << 20, start + 15_000_000_000L);
        p.update(30L << 20, start + 21_000_000_000L);
        p.finish();
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, out.toString(StandardCharsets.UTF_8));
        assertTrue(lines[0].startsWith("exporting  10% 10.0 MiB of 100.0 MiB"), lines[0]);
        assertTrue(lines[1].startsWith("exporting  30% 30.0 MiB of 100.0 MiB"), lines[1]);
        assertTrue(!out.toString(StandardCharsets.UTF_8).contains("\r"), "no terminal control characters in a log");
    }

    @Test
    void onATerminalTheLineIsRedrawnInPlaceAndErased() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressLine p = new ProgressLine(new PrintStream(out, true, StandardCharsets.UTF_8), true, "exporting", 10);
        p.update(5);
        p.finish();
        String s = out.toString(StandardCharsets.UTF_8);
        assertTrue(s.startsWith("\r\033[Kexporting  50%"), s);
        assertTrue(s.endsWith("\r\033[K"), s);
    }
}
