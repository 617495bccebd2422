package io.galleonfs.node.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Chooses the nodes that hold the replicas of one volume. Pure and deterministic: the result depends only on the
 * contents of the inputs, never on their iteration order.
 *
 * <p>Rules, in order:
 * <ol>
 *   <li>Keep nodes ({@link PlacementRequest#keepNodes()}) stay if they are known, {@link NodeState#UP} and not in
 *       {@code avoidNodes}; they come first (in the request's keep order) and count toward {@code replicas}. If
 *       there are more of them than {@code replicas}, the first {@code replicas} are kept. Hard filters other than
 *       state and avoidance are not re-applied to kept nodes: they already hold the data.</li>
 *   <li>Every other node must pass the hard filters: not avoided; {@code UP}; not already holding a replica of this
 *       volume according to {@code replicasByVolume} (never two replicas of one volume on one node); zone in
 *       {@code allowedZones} (if any); carries all {@code nodeAffinity} labels and none of the
 *       {@code nodeAntiAffinity} labels; holds no replica of a {@code volumeAntiAffinity} volume; and has
 *       {@code freeBytes >= sizeBytes} (conservative: no thin provisioning).</li>
 *   <li>Eligible nodes are ranked by: number of {@code volumeAffinity} volumes they already hold (more first, a
 *       preference only), then free bytes (more first), then free/capacity ratio (higher first), then node id.</li>
 *   <li>{@link Strategy#BALANCED} takes the best-ranked nodes. {@link Strategy#SPREAD} repeatedly takes the
 *       best-ranked node among the zones holding the fewest replicas so far (kept replicas included), i.e. a
 *       round-robin over zones that maximises distinct zones first; zone spread therefore wins over volume
 *       affinity, which only orders the choice among equally used zones and within a zone.</li>
 * </ol>
 * The first node of the result is the proposed primary: the first kept node if any, else the best-ranked choice.
 * A volume's own name in {@code volumeAffinity}/{@code volumeAntiAffinity} is ignored.
 */
public final class PlacementEngine {

    /** At most this many node ids are listed per exclusion reason; the rest are counted. */
    static final int MAX_IDS_PER_REASON = 5;

    private static final Comparator<Candidate> RANK = Comparator
            .comparingInt(Candidate::affinity).reversed()
            .thenComparing(Comparator.comparingLong((Candidate c) -> c.node().freeBytes()).reversed())
            .thenComparing(Comparator.comparingDouble((Candidate c) -> freeRatio(c.node())).reversed())
            .thenComparing(c -> c.node().id());

    public PlacementEngine() {
    }

    /**
     * @param request          what to place
     * @param nodes            all known nodes (ids must be distinct); {@code null} means none
     * @param replicasByVolume volume name -> node ids holding its replicas (for volume (anti-)affinity and for
     *                         never placing a second replica of this volume on a node); {@code null} means none
     * @throws IllegalArgumentException if two nodes share an id
     */
    public PlacementResult place(PlacementRequest request, Collection<NodeInfo> nodes,
            Map<String, Set<String>> replicasByVolume) {
        return placeUsing(request, nodes, replicasByVolume == null ? ReplicaHolders.NONE : ReplicaHolders.of(replicasByVolume));
    }

    /**
     * Where the volumes a placement looks at have their copies. Placement only asks about a few names (the volume itself
     * and the class's volume (anti-)affinities), so the caller can answer from an index instead of handing over every
     * volume: building that map per create was a walk over all volumes on every create (a fifth of a node's CPU in
     * {@code bench/metadata-ops} with 3,000 volumes).
     */
    @FunctionalInterface
    public interface ReplicaHolders {
        ReplicaHolders NONE = volume -> Set.of();

        /** Node ids holding a copy of {@code volume} (empty when there is no such volume); null is read as empty. */
        Set<String> nodesHolding(String volume);

        static ReplicaHolders of(Map<String, Set<String>> replicasByVolume) {
            return volume -> replicasByVolume.getOrDefault(volume, Set.of());
        }
    }

    /** As {@link #place(PlacementRequest, Collection, Map)}, asking {@code holders} about the names it needs. */
    public PlacementResult placeUsing(PlacementRequest request, Collection<NodeInfo> nodes, ReplicaHolders holders) {
        Objects.requireNonNull(request, "request must not be null");
        TreeMap<String, NodeInfo> byId = index(nodes);
        Map<String, Set<String>> volumesByNode = volumesByNode(request, holders);
        Exclusions excluded = new Exclusions();

        // 1. keep nodes
        List<NodeInfo> kept = new ArrayList<>();
        for (String id : request.keepNodes()) {
            NodeInfo node = byId.get(id);
            Reason why = node == null ? Reason.UNKNOWN
                    : request.avoidNodes().contains(id) ? Reason.AVOIDED
                    : stateReason(node.state());
            if (why != null) {
                excluded.add(id, why);
            } else if (kept.size() < request.replicas()) {
                kept.add(node);
            }
        }

        // 2. candidates for new replicas
        List<Candidate> candidates = new ArrayList<>();
        for (NodeInfo node : byId.values()) {
            if (request.keepNodes().contains(node.id())) {
                continue; // kept, surplus or already excluded above
            }
            Set<String> held = volumesByNode.getOrDefault(node.id(), Set.of());
            Reason why = check(request, node, held);
            if (why != null) {
                excluded.add(node.id(), why);
            } else {
                candidates.add(new Candidate(node, affinity(request, held)));
            }
        }

        // 3. choose
        int need = request.replicas() - kept.size();
        List<NodeInfo> chosen = switch (request.strategy()) {
            case BALANCED -> balanced(candidates, need);
            case SPREAD -> spread(candidates, need, kept);
        };

        List<String> ids = new ArrayList<>(request.replicas());
        kept.forEach(n -> ids.add(n.id()));
        chosen.forEach(n -> ids.add(n.id()));
        if (ids.size() == request.replicas()) {
            return new PlacementResult.Placed(ids);
        }
        String wants = "wants " + request.replicas() + (request.replicas() == 1 ? " replica" : " replicas");
        String detail = excluded.isEmpty()
                ? byId.isEmpty() ? ": no nodes are known" : ": the cluster has only " + plural(byId.size(), "node")
                : ": " + excluded.describe();
        if (ids.isEmpty()) {
            return new PlacementResult.Impossible(wants + " but no eligible node" + detail);
        }
        return new PlacementResult.Partial(ids,
                wants + " but only " + plural(ids.size(), "eligible node") + detail);
    }

    // ---- filters ----------------------------------------------------------------------------------------------

    private static Reason check(PlacementRequest request, NodeInfo node, Set<String> held) {
        if (request.avoidNodes().contains(node.id())) {
            return Reason.AVOIDED;
        }
        Reason state = stateReason(node.state());
        if (state != null) {
            return state;
        }
        if (held.contains(request.volumeName())) {
            return new Reason(Reason.RANK_HOLDS_SELF, "already holds a replica of " + request.volumeName(),
                    "already hold a replica of " + request.volumeName());
        }
        if (!request.allowedZones().isEmpty() && !request.allowedZones().contains(node.zone())) {
            String zones = "zones " + request.allowedZones();
            return new Reason(Reason.RANK_ZONE, "is not in " + zones, "are not in " + zones);
        }
        for (Map.Entry<String, String> label : request.nodeAffinity().entrySet()) {
            if (!label.getValue().equals(node.labels().get(label.getKey()))) {
                String kv = label.getKey() + "=" + label.getValue();
                return new Reason(Reason.RANK_AFFINITY, "lacks label " + kv, "lack label " + kv);
            }
        }
        for (Map.Entry<String, String> label : request.nodeAntiAffinity().entrySet()) {
            if (label.getValue().equals(node.labels().get(label.getKey()))) {
                String kv = label.getKey() + "=" + label.getValue() + " (anti-affinity)";
                return new Reason(Reason.RANK_ANTI_AFFINITY, "has label " + kv, "have label " + kv);
            }
        }
        for (String volume : request.volumeAntiAffinity()) {
            if (!volume.equals(request.volumeName()) && held.contains(volume)) {
                String what = "a replica of " + volume + " (volume anti-affinity)";
                return new Reason(Reason.RANK_VOLUME_ANTI_AFFINITY, "holds " + what, "hold " + what);
            }
        }
        if (node.freeBytes() < request.sizeBytes()) {
            String what = "less than " + bytes(request.sizeBytes()) + " free (no thin provisioning)";
            return new Reason(Reason.RANK_FREE, "has " + what, "have " + what);
        }
        return null;
    }

    private static Reason stateReason(NodeState state) {
        return switch (state) {
            case UP -> null;
            case SUSPECT -> Reason.SUSPECT;
            case DOWN -> Reason.DOWN;
        };
    }

    private static int affinity(PlacementRequest request, Set<String> held) {
        int score = 0;
        for (String volume : request.volumeAffinity()) {
            if (!volume.equals(request.volumeName()) && held.contains(volume)) {
                score++;
            }
        }
        return score;
    }

    // ---- strategies -------------------------------------------------------------------------------------------

    private static List<NodeInfo> balanced(List<Candidate> candidates, int need) {
        return candidates.stream().sorted(RANK).limit(Math.max(need, 0)).map(Candidate::node).toList();
    }

    private static List<NodeInfo> spread(List<Candidate> candidates, int need, List<NodeInfo> kept) {
        Map<String, Integer> perZone = new HashMap<>();
        kept.forEach(n -> perZone.merge(n.zone(), 1, Integer::sum));
        List<Candidate> remaining = new ArrayList<>(candidates);
        remaining.sort(RANK);
        List<NodeInfo> chosen = new ArrayList<>();
        while (chosen.size() < need && !remaining.isEmpty()) {
            // remaining is ranked, so the first candidate in a least-used zone is the best one there
            int best = 0;
            int bestCount = perZone.getOrDefault(remaining.getFirst().node().zone(), 0);
            for (int i = 1; i < remaining.size() && bestCount > 0; i++) {
                int count = perZone.getOrDefault(remaining.get(i).node().zone(), 0);
                if (count < bestCount) {
                    best = i;
                    bestCount = count;
                }
            }
            NodeInfo node = remaining.remove(best).node();
            perZone.merge(node.zone(), 1, Integer::sum);
            chosen.add(node);
        }
        return chosen;
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static TreeMap<String, NodeInfo> index(Collection<NodeInfo> nodes) {
        TreeMap<String, NodeInfo> byId = new TreeMap<>();
        if (nodes != null) {
            for (NodeInfo node : nodes) {
                Objects.requireNonNull(node, "nodes must not contain null");
                if (byId.putIfAbsent(node.id(), node) != null) {
                    throw new IllegalArgumentException("duplicate node id " + node.id());
                }
            }
        }
        return byId;
    }

    /** Node id -> the names among those this request looks at that the node holds a copy of. */
    private static Map<String, Set<String>> volumesByNode(PlacementRequest request, ReplicaHolders holders) {
        Set<String> names = new HashSet<>();
        names.add(request.volumeName());
        names.addAll(request.volumeAffinity());
        names.addAll(request.volumeAntiAffinity());
        Map<String, Set<String>> out = new HashMap<>();
        for (String volume : names) {
            Set<String> nodeIds = volume == null ? null : holders.nodesHolding(volume);
            if (nodeIds != null) {
                for (String nodeId : nodeIds) {
                    if (nodeId != null) {
                        out.computeIfAbsent(nodeId, k -> new HashSet<>()).add(volume);
                    }
                }
            }
        }
        return out;
    }

    private static double freeRatio(NodeInfo node) {
        return node.capacityBytes() <= 0 ? 0.0 : (double) node.freeBytes() / node.capacityBytes();
    }

    private static String plural(int count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }

    /** Human-readable binary size: {@code 512 B}, {@code 2 GiB}, {@code 1.5 GiB}. */
    static String bytes(long value) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int unit = 0;
        while (unit < units.length - 1 && value >= (1L << (10 * (unit + 1)))) {
            unit++;
        }
        if (unit == 0) {
            return value + " B";
        }
        long scale = 1L << (10 * unit);
        if (value % scale == 0) {
            return (value / scale) + " " + units[unit];
        }
        return String.format(Locale.ROOT, "%.1f %s", (double) value / scale, units[unit]);
    }

    private record Candidate(NodeInfo node, int affinity) {
    }

    /** Why a node was excluded; equal reasons (same rank and text) are grouped in the message. */
    private record Reason(int rank, String singular, String plural) {
        static final int RANK_HOLDS_SELF = 4;
        static final int RANK_ZONE = 5;
        static final int RANK_AFFINITY = 6;
        static final int RANK_ANTI_AFFINITY = 7;
        static final int RANK_VOLUME_ANTI_AFFINITY = 8;
        static final int RANK_FREE = 9;

        static final Reason UNKNOWN = new Reason(0, "is not a known node", "are not known nodes");
        static final Reason AVOIDED = new Reason(1, "is to be avoided", "are to be avoided");
        static final Reason DOWN = new Reason(2, "is down", "are down");
        static final Reason SUSPECT = new Reason(3, "is suspect", "are suspect");
    }

    private static final class Exclusions {
        private final TreeMap<Reason, TreeSet<String>> byReason = new TreeMap<>(
                Comparator.comparingInt(Reason::rank).thenComparing(Reason::singular));

        void add(String nodeId, Reason reason) {
            byReason.computeIfAbsent(reason, r -> new TreeSet<>()).add(nodeId);
        }

        boolean isEmpty() {
            return byReason.isEmpty();
        }

        /** E.g. {@code node-c, node-e are down; node-d is not in zones [zone-a]}. */
        String describe() {
            List<String> parts = new ArrayList<>();
            byReason.forEach((reason, ids) -> {
                List<String> shown = ids.stream().limit(MAX_IDS_PER_REASON).toList();
                String who = String.join(", ", shown);
                if (ids.size() > shown.size()) {
                    who += " and " + (ids.size() - shown.size()) + " more";
                }
                parts.add(who + " " + (ids.size() == 1 ? reason.singular() : reason.plural()));
            });
            return String.join("; ", parts);
        }
    }
}
