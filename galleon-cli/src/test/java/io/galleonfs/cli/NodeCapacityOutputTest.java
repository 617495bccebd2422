package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.NodeCapacityInfo;
import io.galleonfs.api.PeerInfo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code node calibrate}/{@code node capacity} and the IOPS column of {@code cluster peers}. */
class NodeCapacityOutputTest {

    private static String print(java.util.function.Consumer<PrintStream> p) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(b, true, StandardCharsets.UTF_8)) {
            p.accept(o);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void calibratedConfiguredAndNone() {
        String cal = print(o -> NodeCommand.print(o, new NodeCapacityInfo("n1", 10_000, "calibrated", 0, 20_000L, 0.5,
                "2026-12-04T17:00:00Z", 3.0, 32)));
        assertTrue(cal.contains("10000 IOPS (calibrated)"), cal);
        assertTrue(cal.contains("20000 IOPS at 2026-12-04T17:00:00Z (4 KiB random writes, QD32, 3 s; 50 % usable)"), cal);
        String conf = print(o -> NodeCommand.print(o, new NodeCapacityInfo("n1", 8_000, "configured", 8_000, null, 0.5, null, null, null)));
        assertTrue(conf.contains("8000 IOPS (configured)") && conf.contains("never (galleonfs node calibrate)"), conf);
        String none = print(o -> NodeCommand.print(o, new NodeCapacityInfo("n1", 0, "none", 0, null, 0.5, null, null, null)));
        assertTrue(none.contains("none (reservations are not enforced)"), none);
        assertTrue(none.contains("none (throughput reservations are not enforced)"), none);
        String mbps = print(o -> NodeCommand.print(o, new NodeCapacityInfo("n1", 10_000, "calibrated", 0, 20_000L, 0.5,
                "2026-12-04T17:00:00Z", 3.0, 32, 150, "calibrated", 0, 600L)));
        assertTrue(mbps.contains("150 MB/s (calibrated)") && mbps.contains("600 MB/s (1 MiB writes)"), mbps);
    }

    @Test
    void peersShowEachNodesCapacity() {
        String text = print(o -> ClusterCommand.printPeers(o, List.of(
                new PeerInfo("n1", "up", true, true, "127.0.0.1:8080", "127.0.0.1:8090", "default", Map.of(), 1L << 30, 1L << 29, 0,
                        0, 0, 0, 12_345, 150),
                new PeerInfo("n2", "up", false, true, "127.0.0.2:8080", "127.0.0.2:8090", "default", Map.of(), 0, 0, 0, 0, 0, 0, 0))));
        List<String> lines = text.lines().toList();
        assertTrue(lines.get(0).strip().matches(".*IOPS\\s+MB/S"), text);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("n1") && l.strip().matches(".*12345\\s+150")), text);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("n2") && l.strip().matches(".*-\\s+-")), text);
    }
}
