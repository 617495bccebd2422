package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PrinterTest {
    @Test
    void aTableIsAlignedWithDashesForMissingCellsAndNoTrailingBlanks() {
        Printer.Table t = new Printer.Table("NAME", "SIZE", "LABELS");
        t.row("a", "1.0 GiB", "k=v");
        t.row("longer-name", null, "");
        String nl = System.lineSeparator();
        assertEquals("NAME         SIZE     LABELS" + nl
                + "a            1.0 GiB  k=v" + nl
                + "longer-name  -" + nl, t.render());
    }

    @Test
    void aLargeTableReachesTheStreamInFewWritesNotOnePerRow() {
        Printer.Table t = new Printer.Table("NAME", "ID", "STATE");
        int rows = 2000;
        for (int i = 0; i < rows; i++) {
            t.row("volume-" + i, "0a8b2f1c-" + i, i % 2 == 0 ? "healthy" : "degraded");
        }
        int[] writes = new int[1];
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
                writes[0]++;
                sink.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes[0]++;
                sink.write(b, off, len);
            }
        };
        // autoflush, like System.out: a println per row would be a write per row
        PrintStream out = new PrintStream(counting, true, StandardCharsets.UTF_8);
        t.print(out);
        assertEquals(t.render(), sink.toString(StandardCharsets.UTF_8));
        assertTrue(writes[0] < rows / 10, "writes: " + writes[0]);
    }
}
