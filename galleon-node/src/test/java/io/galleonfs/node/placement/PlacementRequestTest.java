package io.galleonfs.node.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlacementRequestTest {

    private static PlacementRequest parse(Map<String, String> params) {
        return PlacementRequest.of("vol", 3, 1024, params, List.of());
    }

    private static String rejected(Map<String, String> params) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(params));
        return readable(e);
    }

    private static String readable(IllegalArgumentException e) {
        String msg = e.getMessage();
        assertTrue(msg != null && !msg.isBlank(), "error message must be readable");
        assertFalse(msg.contains("\n"), "error message must be one line: " + msg);
        return msg;
    }

    // ---- Strategy.parse ---------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"spread", "SPREAD", "Spread", " spread "})
    void strategyParsesSpreadCaseInsensitively(String text) {
        assertEquals(Strategy.SPREAD, Strategy.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"balanced", "BALANCED", "BaLaNcEd", "\tbalanced"})
    void strategyParsesBalancedCaseInsensitively(String text) {
        assertEquals(Strategy.BALANCED, Strategy.parse(text));
    }

    @Test
    void strategyRejectsUnknownWithReadableMessage() {
        String msg = readable(assertThrows(IllegalArgumentException.class, () -> Strategy.parse("packed")));
        assertEquals("unknown placement strategy 'packed'; expected 'spread' or 'balanced'", msg);
        readable(assertThrows(IllegalArgumentException.class, () -> Strategy.parse(null)));
        readable(assertThrows(IllegalArgumentException.class, () -> Strategy.parse("  ")));
    }

    @Test
    void strategyParameterValueRoundTrips() {
        for (Strategy s : Strategy.values()) {
            assertEquals(s, Strategy.parse(s.parameterValue()));
        }
    }

    // ---- PlacementRequest.of ----------------------------------------------------------------------------------

    @Test
    void defaultsWithoutParameters() {
        PlacementRequest r = PlacementRequest.of("vol", 2, 10, null, null);
        assertEquals("vol", r.volumeName());
        assertEquals(2, r.replicas());
        assertEquals(10, r.sizeBytes());
        assertEquals(Strategy.SPREAD, r.strategy());
        assertEquals(List.of(), r.allowedZones());
        assertEquals(Map.of(), r.nodeAffinity());
        assertEquals(Map.of(), r.nodeAntiAffinity());
        assertEquals(Set.of(), r.volumeAffinity());
        assertEquals(Set.of(), r.volumeAntiAffinity());
        assertEquals(Set.of(), r.keepNodes());
        assertEquals(Set.of(), r.avoidNodes());
    }

    @Test
    void parsesAllParameters() {
        PlacementRequest r = PlacementRequest.of("vol", 3, 1024, Map.of(
                "placement", "Balanced",
                "node_affinity", "disk=ssd, rack=r1",
                "node_anti_affinity", "tier=cold",
                "volume_affinity", "db-a , db-b",
                "volume_anti_affinity", "db-c,db-c",
                "fs_type", "ext4"), List.of("zone-a", "zone-b"));
        assertEquals(Strategy.BALANCED, r.strategy());
        assertEquals(Map.of("disk", "ssd", "rack", "r1"), r.nodeAffinity());
        assertEquals(Map.of("tier", "cold"), r.nodeAntiAffinity());
        assertEquals(Set.of("db-a", "db-b"), r.volumeAffinity());
        assertEquals(Set.of("db-c"), r.volumeAntiAffinity());
        assertEquals(List.of("zone-a", "zone-b"), r.allowedZones());
    }

    @Test
    void blankParametersCountAsAbsent() {
        PlacementRequest r = parse(Map.of("placement", " ", "node_affinity", "", "volume_affinity", "  "));
        assertEquals(Strategy.SPREAD, r.strategy());
        assertEquals(Map.of(), r.nodeAffinity());
        assertEquals(Set.of(), r.volumeAffinity());
    }

    @Test
    void badPlacementNamesTheParameter() {
        assertEquals("placement: unknown placement strategy 'fastest'; expected 'spread' or 'balanced'",
                rejected(Map.of("placement", "fastest")));
    }

    @Test
    void badLabelSyntaxIsReadable() {
        assertEquals("node_affinity: entry 'disk' is not of the form key=value",
                rejected(Map.of("node_affinity", "disk")));
        assertEquals("node_affinity: entry '=ssd' has an empty label key",
                rejected(Map.of("node_affinity", "=ssd")));
        assertEquals("node_anti_affinity: entry 'disk=' has an empty value for label 'disk'",
                rejected(Map.of("node_anti_affinity", "disk=")));
        assertEquals("node_affinity: entry 'a=b=c' has more than one '='",
                rejected(Map.of("node_affinity", "a=b=c")));
        assertEquals("node_affinity: empty entry #2 in 'a=b,,c=d' (expected k=v)",
                rejected(Map.of("node_affinity", "a=b,,c=d")));
        assertEquals("node_affinity: empty entry #2 in 'a=b,' (expected k=v)",
                rejected(Map.of("node_affinity", "a=b,")));
        assertEquals("node_affinity: label key 'a' appears more than once ('a=b' and 'a=c')",
                rejected(Map.of("node_affinity", "a=b,a=c")));
        assertEquals("node_affinity: label key 'my disk' contains whitespace",
                rejected(Map.of("node_affinity", "my disk=ssd")));
    }

    @Test
    void badVolumeListSyntaxIsReadable() {
        assertEquals("volume_affinity: empty entry #2 in 'db-a,,db-b' (expected name1,name2)",
                rejected(Map.of("volume_affinity", "db-a,,db-b")));
        assertEquals("volume_anti_affinity: volume name 'db a' contains whitespace",
                rejected(Map.of("volume_anti_affinity", "db a")));
    }

    @Test
    void badNumbersAndNamesAreReadable() {
        assertTrue(readable(assertThrows(IllegalArgumentException.class,
                () -> PlacementRequest.of("vol", 0, 1, Map.of(), List.of()))).contains("replicas must be at least 1"));
        assertTrue(readable(assertThrows(IllegalArgumentException.class,
                () -> PlacementRequest.of("vol", 1, -1, Map.of(), List.of()))).contains("sizeBytes"));
        readable(assertThrows(IllegalArgumentException.class,
                () -> PlacementRequest.of(" ", 1, 1, Map.of(), List.of())));
    }

    // ---- the record itself ------------------------------------------------------------------------------------

    @Test
    void collectionsAreDefensivelyCopiedAndImmutable() {
        Map<String, String> affinity = new HashMap<>(Map.of("disk", "ssd"));
        Set<String> avoid = new HashSet<>(Set.of("node-x"));
        List<String> zones = new ArrayList<>(List.of("zone-a"));
        PlacementRequest r = new PlacementRequest("vol", 1, 1, null, zones, affinity, null, null, null, null, avoid);
        affinity.put("rack", "r1");
        avoid.add("node-y");
        zones.add("zone-b");
        assertEquals(Strategy.SPREAD, r.strategy());
        assertEquals(Map.of("disk", "ssd"), r.nodeAffinity());
        assertEquals(Set.of("node-x"), r.avoidNodes());
        assertEquals(List.of("zone-a"), r.allowedZones());
        assertThrows(UnsupportedOperationException.class, () -> r.avoidNodes().add("z"));
        assertThrows(UnsupportedOperationException.class, () -> r.nodeAffinity().put("z", "z"));
        assertThrows(UnsupportedOperationException.class, () -> r.allowedZones().add("z"));
    }

    @Test
    void keepNodesKeepSequencedOrderOtherwiseSorted() {
        PlacementRequest base = PlacementRequest.of("vol", 3, 1, Map.of(), List.of());
        LinkedHashSet<String> ordered = new LinkedHashSet<>(List.of("node-c", "node-a", "node-b"));
        assertEquals(List.of("node-c", "node-a", "node-b"), List.copyOf(base.withKeepNodes(ordered).keepNodes()));
        assertEquals(List.of("node-a", "node-b", "node-c"),
                List.copyOf(base.withKeepNodes(Set.of("node-c", "node-a", "node-b")).keepNodes()));
    }

    @Test
    void withersCopyEverythingElse() {
        PlacementRequest base = PlacementRequest.of("vol", 3, 7, Map.of("placement", "balanced",
                "node_affinity", "disk=ssd"), List.of("zone-a"));
        PlacementRequest changed = base.withKeepNodes(Set.of("n1")).withAvoidNodes(Set.of("n2")).withReplicas(2);
        assertEquals(new PlacementRequest("vol", 2, 7, Strategy.BALANCED, List.of("zone-a"), Map.of("disk", "ssd"),
                Map.of(), Set.of(), Set.of(), Set.of("n1"), Set.of("n2")), changed);
    }

    @Test
    void nodeInfoNormalisesAndValidates() {
        NodeInfo n = new NodeInfo("n1", null, null, 10, 5, NodeState.UP);
        assertEquals("", n.zone());
        assertEquals(Map.of(), n.labels());
        assertThrows(IllegalArgumentException.class, () -> new NodeInfo(" ", "z", Map.of(), 1, 1, NodeState.UP));
        assertThrows(NullPointerException.class, () -> new NodeInfo("n1", "z", Map.of(), 1, 1, null));
    }

    @Test
    void resultsValidateTheirContents() {
        assertThrows(IllegalArgumentException.class, () -> new PlacementResult.Placed(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new PlacementResult.Placed(List.of("a", "a")));
        assertThrows(IllegalArgumentException.class, () -> new PlacementResult.Partial(List.of("a"), " "));
        assertThrows(IllegalArgumentException.class, () -> new PlacementResult.Impossible(""));
    }
}
