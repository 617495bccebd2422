package io.galleonfs.node.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PlacementEngineTest {

    private static final long GIB = 1L << 30;
    private static final long CAPACITY = 100 * GIB;

    private final PlacementEngine engine = new PlacementEngine();

    // ---- fixtures ---------------------------------------------------------------------------------------------

    private static NodeInfo up(String id, String zone, long freeGib) {
        return node(id, zone, freeGib, NodeState.UP, Map.of());
    }

    private static NodeInfo node(String id, String zone, long freeGib, NodeState state, Map<String, String> labels) {
        return new NodeInfo(id, zone, labels, CAPACITY, freeGib * GIB, state);
    }

    private static PlacementRequest request(int replicas, String placement) {
        return request(replicas, Map.of("placement", placement));
    }

    private static PlacementRequest request(int replicas, Map<String, String> params) {
        return PlacementRequest.of("vol", replicas, GIB, params, List.of());
    }

    /** Three zones, two nodes each, all free amounts distinct. */
    private static List<NodeInfo> sixNodesThreeZones() {
        return List.of(
                up("a1", "zone-a", 50), up("a2", "zone-a", 80),
                up("b1", "zone-b", 30), up("b2", "zone-b", 20),
                up("c1", "zone-c", 90), up("c2", "zone-c", 10));
    }

    private PlacementResult place(PlacementRequest request, List<NodeInfo> nodes) {
        return engine.place(request, nodes, Map.of());
    }

    private static List<String> placed(PlacementResult result) {
        return assertInstanceOf(PlacementResult.Placed.class, result, () -> "expected Placed: " + result).nodeIds();
    }

    private static PlacementResult.Partial partial(PlacementResult result) {
        return assertInstanceOf(PlacementResult.Partial.class, result, () -> "expected Partial: " + result);
    }

    private static String impossible(PlacementResult result) {
        return assertInstanceOf(PlacementResult.Impossible.class, result, () -> "expected Impossible: " + result)
                .reason();
    }

    private static Set<String> zonesOf(List<String> ids, List<NodeInfo> nodes) {
        Map<String, String> zoneById = nodes.stream().collect(Collectors.toMap(NodeInfo::id, NodeInfo::zone));
        return ids.stream().map(zoneById::get).collect(Collectors.toCollection(TreeSet::new));
    }

    // ---- SPREAD -----------------------------------------------------------------------------------------------

    @Test
    void spreadAcrossThreeZonesWithSixNodesPicksThreeZones() {
        List<NodeInfo> nodes = sixNodesThreeZones();
        List<String> ids = placed(place(request(3, "spread"), nodes));
        // best-ranked node first (primary), then the most free node of each remaining zone
        assertEquals(List.of("c1", "a2", "b1"), ids);
        assertEquals(Set.of("zone-a", "zone-b", "zone-c"), zonesOf(ids, nodes));
    }

    @Test
    void spreadIsTheDefaultStrategy() {
        assertEquals(List.of("c1", "a2", "b1"), placed(place(request(3, Map.of()), sixNodesThreeZones())));
    }

    @Test
    void spreadWithMoreReplicasThanZonesFillsZonesEvenly() {
        List<NodeInfo> nodes = sixNodesThreeZones();
        List<String> ids = placed(place(request(5, "spread"), nodes));
        assertEquals(List.of("c1", "a2", "b1", "a1", "b2"), ids);
        Map<String, Long> perZone = ids.stream().collect(Collectors.groupingBy(
                id -> id.substring(0, 1), Collectors.counting()));
        assertEquals(Map.of("a", 2L, "b", 2L, "c", 1L), perZone);
    }

    @Test
    void spreadPrefersAnEmptyZoneOverAFreerNodeInAUsedZone() {
        List<NodeInfo> nodes = List.of(
                up("a1", "zone-a", 99), up("a2", "zone-a", 98), up("a3", "zone-a", 97), up("b1", "zone-b", 1));
        assertEquals(List.of("a1", "b1", "a2"), placed(place(request(3, "spread"), nodes)));
    }

    @Test
    void spreadBreaksEqualFreeSpaceByRatioThenId() {
        List<NodeInfo> nodes = List.of(
                new NodeInfo("z2", "zone-a", Map.of(), 100, 50, NodeState.UP),
                new NodeInfo("z1", "zone-a", Map.of(), 200, 50, NodeState.UP),
                new NodeInfo("z3", "zone-a", Map.of(), 100, 50, NodeState.UP));
        PlacementRequest request = PlacementRequest.of("vol", 3, 10, Map.of("placement", "spread"), List.of());
        assertEquals(List.of("z2", "z3", "z1"), placed(place(request, nodes)));
    }

    // ---- BALANCED ---------------------------------------------------------------------------------------------

    @Test
    void balancedPicksMostFreeRegardlessOfZone() {
        assertEquals(List.of("c1", "a2", "a1"), placed(place(request(3, "balanced"), sixNodesThreeZones())));
    }

    @Test
    void balancedBreaksTiesByRatioThenId() {
        List<NodeInfo> nodes = List.of(
                new NodeInfo("n2", "z", Map.of(), 200, 50, NodeState.UP), // ratio 0.25
                new NodeInfo("n3", "z", Map.of(), 100, 50, NodeState.UP), // ratio 0.5
                new NodeInfo("n1", "z", Map.of(), 100, 50, NodeState.UP), // ratio 0.5
                new NodeInfo("n0", "z", Map.of(), 0, 50, NodeState.UP));  // no capacity reported: ratio 0
        PlacementRequest request = PlacementRequest.of("vol", 4, 10, Map.of("placement", "balanced"), List.of());
        assertEquals(List.of("n1", "n3", "n2", "n0"), placed(place(request, nodes)));
    }

    // ---- hard filters -----------------------------------------------------------------------------------------

    @Test
    void allowedZonesFilter() {
        List<NodeInfo> nodes = sixNodesThreeZones();
        PlacementRequest two = PlacementRequest.of("vol", 2, GIB, Map.of(), List.of("zone-a"));
        assertEquals(List.of("a2", "a1"), placed(place(two, nodes)));

        PlacementRequest twoZones = PlacementRequest.of("vol", 2, GIB, Map.of(), List.of("zone-a", "zone-b"));
        assertEquals(List.of("a2", "b1"), placed(place(twoZones, nodes)));

        PlacementResult.Partial p = partial(place(two.withReplicas(3), nodes));
        assertEquals(List.of("a2", "a1"), p.nodeIds());
        assertEquals("wants 3 replicas but only 2 eligible nodes: b1, b2, c1, c2 are not in zones [zone-a]",
                p.reason());
    }

    @Test
    void nodeLabelAffinity() {
        List<NodeInfo> nodes = List.of(
                node("n1", "z", 10, NodeState.UP, Map.of("disk", "ssd", "rack", "r1")),
                node("n2", "z", 90, NodeState.UP, Map.of("disk", "hdd")),
                node("n3", "z", 20, NodeState.UP, Map.of("disk", "ssd")),
                node("n4", "z", 99, NodeState.UP, Map.of()));
        PlacementRequest ssd = request(2, Map.of("node_affinity", "disk=ssd"));
        assertEquals(List.of("n3", "n1"), placed(place(ssd, nodes)));

        PlacementResult.Partial p = partial(place(ssd.withReplicas(3), nodes));
        assertEquals("wants 3 replicas but only 2 eligible nodes: n2, n4 lack label disk=ssd", p.reason());

        PlacementRequest ssdRack = request(1, Map.of("node_affinity", "disk=ssd,rack=r1"));
        assertEquals(List.of("n1"), placed(place(ssdRack, nodes)));
        assertEquals("wants 2 replicas but only 1 eligible node: n2, n4 lack label disk=ssd; n3 lacks label rack=r1",
                partial(place(ssdRack.withReplicas(2), nodes)).reason());
    }

    @Test
    void nodeLabelAntiAffinity() {
        List<NodeInfo> nodes = List.of(
                node("n1", "z", 99, NodeState.UP, Map.of("tier", "cold")),
                node("n2", "z", 10, NodeState.UP, Map.of("tier", "hot")),
                node("n3", "z", 20, NodeState.UP, Map.of()));
        PlacementRequest notCold = request(2, Map.of("placement", "balanced", "node_anti_affinity", "tier=cold"));
        assertEquals(List.of("n3", "n2"), placed(place(notCold, nodes)));
        assertEquals("wants 3 replicas but only 2 eligible nodes: n1 has label tier=cold (anti-affinity)",
                partial(place(notCold.withReplicas(3), nodes)).reason());
    }

    @Test
    void volumeAntiAffinityKeepsDbAAndDbBApart() {
        List<NodeInfo> nodes = sixNodesThreeZones();
        PlacementRequest dbA = PlacementRequest.of("db-a", 3, GIB, Map.of("volume_anti_affinity", "db-b"), List.of());
        List<String> dbANodes = placed(engine.place(dbA, nodes, Map.of()));

        Map<String, Set<String>> replicas = Map.of("db-a", Set.copyOf(dbANodes));
        PlacementRequest dbB = PlacementRequest.of("db-b", 3, GIB, Map.of("volume_anti_affinity", "db-a"), List.of());
        List<String> dbBNodes = placed(engine.place(dbB, nodes, replicas));

        Set<String> overlap = new HashSet<>(dbANodes);
        overlap.retainAll(dbBNodes);
        assertEquals(Set.of(), overlap, () -> "db-a " + dbANodes + " and db-b " + dbBNodes + " share nodes");
        assertEquals(Set.of("zone-a", "zone-b", "zone-c"), zonesOf(dbBNodes, nodes));

        PlacementResult.Partial p = partial(engine.place(dbB.withReplicas(4), nodes, replicas));
        assertEquals(3, p.nodeIds().size());
        assertEquals("wants 4 replicas but only 3 eligible nodes: "
                + "a2, b1, c1 hold a replica of db-a (volume anti-affinity)", p.reason());
    }

    @Test
    void volumeAffinityCoLocatesWhenPossible() {
        List<NodeInfo> nodes = List.of(up("n1", "z", 10), up("n2", "z", 20), up("n3", "z", 80), up("n4", "z", 90));
        Map<String, Set<String>> replicas = Map.of("db-a", Set.of("n1", "n2"));
        PlacementRequest app = request(2, Map.of("placement", "balanced", "volume_affinity", "db-a"));
        assertEquals(List.of("n2", "n1"), placed(engine.place(app, nodes, replicas)));
        // only a preference: falls back to the best other node
        assertEquals(List.of("n2", "n1", "n4"), placed(engine.place(app.withReplicas(3), nodes, replicas)));
    }

    @Test
    void volumeAffinityPrefersNodesHoldingMoreOfTheVolumes() {
        List<NodeInfo> nodes = List.of(up("n1", "z", 10), up("n2", "z", 20), up("n3", "z", 80));
        Map<String, Set<String>> replicas = Map.of("db-a", Set.of("n1", "n2"), "db-b", Set.of("n1"));
        PlacementRequest app = request(1, Map.of("placement", "balanced", "volume_affinity", "db-a,db-b"));
        assertEquals(List.of("n1"), placed(engine.place(app, nodes, replicas)));
    }

    @Test
    void volumeAffinityWithSpreadCoLocatesPerZone() {
        List<NodeInfo> nodes = List.of(
                up("a1", "zone-a", 10), up("a2", "zone-a", 90), up("b1", "zone-b", 20), up("b2", "zone-b", 80));
        PlacementRequest app = request(2, Map.of("placement", "spread", "volume_affinity", "db-a"));
        assertEquals(List.of("b1", "a1"),
                placed(engine.place(app, nodes, Map.of("db-a", Set.of("a1", "b1")))));
        // zone spread wins over affinity: db-a lives only in zone-a, the second replica still goes to zone-b
        assertEquals(List.of("a2", "b2"),
                placed(engine.place(app, nodes, Map.of("db-a", Set.of("a1", "a2")))));
    }

    @Test
    void neverTwoReplicasOnOneNode() {
        List<NodeInfo> nodes = List.of(up("n1", "z", 99), up("n2", "z", 50), up("n3", "z", 40));
        // the kept node is also the best-ranked node: it must not be chosen a second time
        PlacementRequest r = request(3, "balanced").withKeepNodes(Set.of("n1"));
        assertEquals(List.of("n1", "n2", "n3"), placed(place(r, nodes)));
        PlacementResult.Partial p = partial(place(r.withReplicas(4), nodes));
        assertEquals(List.of("n1", "n2", "n3"), p.nodeIds());
        assertEquals("wants 4 replicas but only 3 eligible nodes: the cluster has only 3 nodes", p.reason());

        // a node that already holds a (non-kept, e.g. stale) replica of this volume is not chosen again
        PlacementResult stale = engine.place(request(2, "balanced").withKeepNodes(Set.of("n1")), nodes,
                Map.of("vol", Set.of("n1", "n2")));
        assertEquals(List.of("n1", "n3"), placed(stale));
        PlacementResult.Partial staleP = partial(engine.place(request(3, "balanced").withKeepNodes(Set.of("n1")),
                nodes, Map.of("vol", Set.of("n1", "n2"))));
        assertEquals("wants 3 replicas but only 2 eligible nodes: n2 already holds a replica of vol",
                staleP.reason());
    }

    @Test
    void downAndSuspectNodesAreExcluded() {
        List<NodeInfo> nodes = List.of(
                node("n1", "z", 99, NodeState.DOWN, Map.of()),
                node("n2", "z", 98, NodeState.SUSPECT, Map.of()),
                up("n3", "z", 10), up("n4", "z", 5));
        assertEquals(List.of("n3", "n4"), placed(place(request(2, "balanced"), nodes)));
        assertEquals(List.of("n3", "n4"), placed(place(request(2, "spread"), nodes)));
        assertEquals("wants 3 replicas but only 2 eligible nodes: n1 is down; n2 is suspect",
                partial(place(request(3, "balanced"), nodes)).reason());
    }

    @Test
    void notEnoughFreeSpaceExcludesConservatively() {
        List<NodeInfo> nodes = List.of(
                new NodeInfo("n1", "z", Map.of(), CAPACITY, 2 * GIB - 1, NodeState.UP),
                new NodeInfo("n2", "z", Map.of(), CAPACITY, 2 * GIB, NodeState.UP),
                new NodeInfo("n3", "z", Map.of(), CAPACITY, GIB, NodeState.UP));
        PlacementRequest r = PlacementRequest.of("vol", 2, 2 * GIB, Map.of(), List.of());
        PlacementResult.Partial p = partial(place(r, nodes));
        assertEquals(List.of("n2"), p.nodeIds());
        assertEquals("wants 2 replicas but only 1 eligible node: n1, n3 have less than 2 GiB free "
                + "(no thin provisioning)", p.reason());
        PlacementRequest odd = PlacementRequest.of("vol", 1, 5 * GIB / 2, Map.of(), List.of());
        assertEquals("wants 1 replica but no eligible node: n1, n3 have less than 2.5 GiB free "
                + "(no thin provisioning)", impossible(place(odd, List.of(nodes.get(0), nodes.get(2)))));
    }

    @Test
    void notEnoughNodesGivesPartialWithReason() {
        List<NodeInfo> nodes = List.of(
                up("node-a", "zone-a", 50), up("node-b", "zone-a", 40),
                node("node-c", "zone-a", 99, NodeState.DOWN, Map.of()), up("node-d", "zone-b", 99));
        PlacementRequest r = PlacementRequest.of("vol", 3, GIB, Map.of(), List.of("zone-a"));
        PlacementResult.Partial p = partial(place(r, nodes));
        assertEquals(List.of("node-a", "node-b"), p.nodeIds());
        assertEquals("wants 3 replicas but only 2 eligible nodes: node-c is down; node-d is not in zones [zone-a]",
                p.reason());
    }

    @Test
    void noEligibleNodeIsImpossible() {
        List<NodeInfo> nodes = List.of(
                node("n1", "z", 99, NodeState.DOWN, Map.of()), node("n2", "z", 99, NodeState.DOWN, Map.of()));
        assertEquals("wants 2 replicas but no eligible node: n1, n2 are down",
                impossible(place(request(2, "spread"), nodes)));
        assertEquals("wants 1 replica but no eligible node: no nodes are known",
                impossible(place(request(1, "spread"), List.of())));
        assertEquals("wants 1 replica but no eligible node: no nodes are known",
                impossible(engine.place(request(1, "balanced"), null, null)));
    }

    @Test
    void longExclusionListsAreShortened() {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            nodes.add(node("n" + i, "z", 10, NodeState.DOWN, Map.of()));
        }
        assertEquals("wants 1 replica but no eligible node: n1, n2, n3, n4, n5 and 3 more are down",
                impossible(place(request(1, "spread"), nodes)));
    }

    // ---- keep and avoid ---------------------------------------------------------------------------------------

    @Test
    void keepNodesAreKeptAndFirst() {
        List<NodeInfo> nodes = List.of(up("n1", "z", 10), up("n2", "z", 20), up("n3", "z", 80), up("n4", "z", 90));
        assertEquals(List.of("n1", "n4", "n3"),
                placed(place(request(3, "balanced").withKeepNodes(Set.of("n1")), nodes)));
        // a sequenced keep set keeps its order (current primary first); other sets are sorted by id
        LinkedHashSet<String> primaryFirst = new LinkedHashSet<>(List.of("n2", "n1"));
        assertEquals(List.of("n2", "n1", "n4"),
                placed(place(request(3, "balanced").withKeepNodes(primaryFirst), nodes)));
        assertEquals(List.of("n1", "n2", "n4"),
                placed(place(request(3, "balanced").withKeepNodes(Set.of("n2", "n1")), nodes)));
    }

    @Test
    void keepNodesCountTowardZoneSpread() {
        List<NodeInfo> nodes = List.of(
                up("a1", "zone-a", 10), up("a2", "zone-a", 99), up("b1", "zone-b", 10), up("c1", "zone-c", 5));
        PlacementRequest r = request(3, "spread").withKeepNodes(new LinkedHashSet<>(List.of("a1", "b1")));
        assertEquals(List.of("a1", "b1", "c1"), placed(place(r, nodes)));
    }

    @Test
    void surplusKeepNodesAreTrimmedInKeepOrder() {
        List<NodeInfo> nodes = List.of(up("n1", "z", 10), up("n2", "z", 20), up("n3", "z", 80));
        PlacementRequest r = request(2, "balanced").withKeepNodes(new LinkedHashSet<>(List.of("n3", "n1", "n2")));
        assertEquals(List.of("n3", "n1"), placed(place(r, nodes)));
    }

    @Test
    void keepNodesThatAreNoLongerUpOrKnownAreDropped() {
        List<NodeInfo> nodes = List.of(
                node("n1", "z", 50, NodeState.DOWN, Map.of()), node("n2", "z", 50, NodeState.SUSPECT, Map.of()),
                up("n3", "z", 10), up("n4", "z", 20));
        PlacementRequest r = request(3, "balanced").withKeepNodes(new LinkedHashSet<>(List.of("n1", "n2", "n3", "ghost")));
        PlacementResult.Partial p = partial(place(r, nodes));
        assertEquals(List.of("n3", "n4"), p.nodeIds());
        assertEquals("wants 3 replicas but only 2 eligible nodes: ghost is not a known node; n1 is down; "
                + "n2 is suspect", p.reason());
    }

    @Test
    void keptNodesAreNotReFilteredBeyondStateAndAvoidance() {
        // the storage class was narrowed to zone-b after n1 got its replica: the data stays where it is
        List<NodeInfo> nodes = List.of(up("n1", "zone-a", 0), up("n2", "zone-b", 50));
        PlacementRequest r = PlacementRequest.of("vol", 2, GIB, Map.of(), List.of("zone-b"))
                .withKeepNodes(Set.of("n1"));
        assertEquals(List.of("n1", "n2"), placed(place(r, nodes)));
    }

    @Test
    void avoidNodesMoveReplicasOffALeavingNode() {
        List<NodeInfo> nodes = List.of(
                up("a", "zone-a", 50), up("b", "zone-b", 50), up("c", "zone-c", 99),
                up("d", "zone-c", 10), up("e", "zone-a", 95));
        Map<String, Set<String>> replicas = Map.of("vol", Set.of("a", "b", "c"));
        PlacementRequest move = request(3, "spread")
                .withKeepNodes(new LinkedHashSet<>(List.of("a", "b", "c")))
                .withAvoidNodes(Set.of("c"));
        // c is leaving: its replica moves to d, the only other node in zone-c, not to the freer e in zone-a
        assertEquals(List.of("a", "b", "d"), placed(engine.place(move, nodes, replicas)));

        // balanced ignores zones but still never picks the leaving node
        PlacementRequest balanced = request(3, "balanced").withKeepNodes(Set.of("a", "b")).withAvoidNodes(Set.of("c"));
        assertEquals(List.of("a", "b", "e"), placed(engine.place(balanced, nodes, replicas)));

        // nowhere to go: Partial, the leaving node is named
        List<NodeInfo> three = nodes.subList(0, 3);
        PlacementResult.Partial p = partial(engine.place(move, three, replicas));
        assertEquals(List.of("a", "b"), p.nodeIds());
        assertEquals("wants 3 replicas but only 2 eligible nodes: c is to be avoided", p.reason());
    }

    @Test
    void primaryIsBestRankedWithoutKeepNodes() {
        List<NodeInfo> nodes = sixNodesThreeZones();
        for (String strategy : List.of("spread", "balanced")) {
            assertEquals("c1", placed(place(request(2, strategy), nodes)).getFirst(), strategy);
        }
    }

    // ---- determinism ------------------------------------------------------------------------------------------

    /** Twelve nodes in four zones with many ties, plus a replica map for (anti-)affinity. */
    private static List<NodeInfo> tieCluster() {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String zone = "zone-" + (char) ('a' + i % 4);
            NodeState state = i == 5 ? NodeState.DOWN : i == 9 ? NodeState.SUSPECT : NodeState.UP;
            nodes.add(new NodeInfo(String.format("node-%02d", i), zone, Map.of("disk", i % 3 == 0 ? "hdd" : "ssd"),
                    CAPACITY, (i % 2 == 0 ? 40 : 60) * GIB, state));
        }
        return nodes;
    }

    @Test
    void sameInputSameOutputAndInputOrderDoesNotMatter() {
        List<NodeInfo> nodes = tieCluster();
        Map<String, Set<String>> replicas = new LinkedHashMap<>();
        replicas.put("db-a", new LinkedHashSet<>(List.of("node-01", "node-02")));
        replicas.put("db-b", new LinkedHashSet<>(List.of("node-07", "node-04", "node-11")));
        List<PlacementRequest> requests = List.of(
                request(3, "spread"), request(5, "spread"), request(3, "balanced"), request(20, "spread"),
                request(4, Map.of("placement", "spread", "volume_affinity", "db-a", "volume_anti_affinity", "db-b")),
                request(4, Map.of("placement", "balanced", "node_affinity", "disk=ssd")),
                request(3, "spread").withKeepNodes(Set.of("node-03", "node-05")).withAvoidNodes(Set.of("node-00")));

        Random random = new Random(42);
        for (PlacementRequest r : requests) {
            PlacementResult expected = engine.place(r, nodes, replicas);
            assertEquals(expected, engine.place(r, nodes, replicas), "same input, same output");
            for (int round = 0; round < 20; round++) {
                List<NodeInfo> shuffled = new ArrayList<>(nodes);
                Collections.shuffle(shuffled, random);
                Map<String, Set<String>> shuffledReplicas = new HashMap<>();
                List<String> volumes = new ArrayList<>(replicas.keySet());
                Collections.shuffle(volumes, random);
                for (String v : volumes) {
                    List<String> holders = new ArrayList<>(replicas.get(v));
                    Collections.shuffle(holders, random);
                    shuffledReplicas.put(v, new HashSet<>(holders));
                }
                assertEquals(expected, engine.place(r, shuffled, shuffledReplicas), () -> "shuffled input: " + r);
            }
        }
    }

    @Test
    void duplicateNodeIdsAreRejected() {
        List<NodeInfo> nodes = List.of(up("n1", "z", 10), up("n1", "y", 20));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> place(request(1, "spread"), nodes));
        assertEquals("duplicate node id n1", e.getMessage());
    }

    // ---- invariants over many seeded random clusters ----------------------------------------------------------

    @Test
    void invariantsHoldOnRandomClusters() {
        Random random = new Random(20240601L);
        NodeState[] states = NodeState.values();
        for (int round = 0; round < 500; round++) {
            int nodeCount = random.nextInt(10);
            int zoneCount = 1 + random.nextInt(4);
            List<NodeInfo> nodes = new ArrayList<>();
            for (int i = 0; i < nodeCount; i++) {
                NodeState state = random.nextInt(4) == 0 ? states[random.nextInt(states.length)] : NodeState.UP;
                nodes.add(new NodeInfo("n" + i, "zone-" + random.nextInt(zoneCount), Map.of(), 100,
                        random.nextInt(101), state));
            }
            Set<String> keep = new LinkedHashSet<>();
            Set<String> avoid = new HashSet<>();
            for (int i = 0; i < nodeCount + 1; i++) { // +1 may name an unknown node
                int roll = random.nextInt(6);
                if (roll == 0) {
                    keep.add("n" + i);
                } else if (roll == 1) {
                    avoid.add("n" + i);
                }
            }
            Strategy strategy = random.nextBoolean() ? Strategy.SPREAD : Strategy.BALANCED;
            List<String> allowed = random.nextInt(3) == 0 ? List.of("zone-0") : List.of();
            PlacementRequest r = new PlacementRequest("vol", 1 + random.nextInt(5), random.nextInt(60), strategy,
                    allowed, Map.of(), Map.of(), Set.of(), Set.of(), keep, avoid);
            checkInvariants(r, nodes, engine.place(r, nodes, Map.of()));
        }
    }

    private static void checkInvariants(PlacementRequest r, List<NodeInfo> nodes, PlacementResult result) {
        Map<String, NodeInfo> byId = nodes.stream().collect(Collectors.toMap(NodeInfo::id, n -> n));
        List<String> validKeep = r.keepNodes().stream()
                .filter(id -> byId.containsKey(id) && byId.get(id).state() == NodeState.UP
                        && !r.avoidNodes().contains(id))
                .limit(r.replicas()).toList();
        List<NodeInfo> eligibleNew = nodes.stream()
                .filter(n -> !r.keepNodes().contains(n.id()) && !r.avoidNodes().contains(n.id())
                        && n.state() == NodeState.UP && n.freeBytes() >= r.sizeBytes()
                        && (r.allowedZones().isEmpty() || r.allowedZones().contains(n.zone())))
                .toList();
        int expectedSize = Math.min(r.replicas(), validKeep.size() + eligibleNew.size());
        List<String> ids = switch (result) {
            case PlacementResult.Placed p -> p.nodeIds();
            case PlacementResult.Partial p -> p.nodeIds();
            case PlacementResult.Impossible i -> List.of();
        };
        String ctx = r + " on " + nodes + " -> " + result;
        assertEquals(expectedSize, ids.size(), ctx);
        assertEquals(expectedSize == r.replicas(), result instanceof PlacementResult.Placed, ctx);
        assertEquals(expectedSize == 0, result instanceof PlacementResult.Impossible, ctx);
        assertEquals(ids.size(), new HashSet<>(ids).size(), ctx);
        assertEquals(validKeep, ids.subList(0, validKeep.size()), "kept nodes first: " + ctx);
        Set<String> eligibleIds = eligibleNew.stream().map(NodeInfo::id).collect(Collectors.toSet());
        for (String id : ids.subList(validKeep.size(), ids.size())) {
            assertTrue(eligibleIds.contains(id), "ineligible " + id + ": " + ctx);
        }
        for (String id : ids) {
            assertFalse(r.avoidNodes().contains(id), ctx);
            assertEquals(NodeState.UP, byId.get(id).state(), ctx);
        }
        if (r.strategy() == Strategy.SPREAD && validKeep.isEmpty()) {
            long eligibleZones = eligibleNew.stream().map(NodeInfo::zone).distinct().count();
            long usedZones = ids.stream().map(id -> byId.get(id).zone()).distinct().count();
            assertEquals(Math.min(ids.size(), eligibleZones), usedZones, "spread maximises zones: " + ctx);
        }
    }
    /**
     * Callers answer "who holds volume X" from an index instead of a map of every volume: placement must ask only about
     * the volume itself and the request's affinity and anti-affinity volumes, and decide exactly as with the full map.
     */
    @Test
    void replicaHoldersAreAskedOnlyAboutTheNamesTheRequestUses() {
        Map<String, Set<String>> all = new HashMap<>();
        all.put("db-a", Set.of("a1", "c1"));
        all.put("db-b", Set.of("b1"));
        all.put("vol", Set.of("a2"));
        for (int i = 0; i < 1000; i++) {
            all.put("other-" + i, Set.of("a1", "b2"));
        }
        PlacementRequest app = PlacementRequest.of("vol", 3, GIB,
                Map.of("placement", "balanced", "volume_affinity", "db-a", "volume_anti_affinity", "db-b"), List.of());
        Set<String> asked = new TreeSet<>();
        PlacementResult viaHolders = engine.placeUsing(app, sixNodesThreeZones(), volume -> {
            asked.add(volume);
            return all.getOrDefault(volume, Set.of());
        });
        assertEquals(Set.of("vol", "db-a", "db-b"), asked);
        assertEquals(engine.place(app, sixNodesThreeZones(), all), viaHolders);
        assertEquals(List.of("c1", "a1", "b2"), placed(viaHolders), "affinity first (more free space first), never a2 (holds vol) nor b1 (holds db-b)");
    }
}
