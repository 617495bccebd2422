package io.galleonfs.node.placement;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SequencedSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Placement rules of a storage class plus per-volume inputs.
 *
 * <p>All collections are defensively copied into immutable collections with a deterministic iteration order;
 * {@code null} collections become empty ones and a {@code null} strategy becomes {@link Strategy#SPREAD}.
 * {@code keepNodes} keeps its encounter order when given as a {@link SequencedSet} (e.g. {@code LinkedHashSet}, so
 * the caller can put the current primary first); any other set is sorted by node id.
 *
 * @param volumeName         the volume being placed
 * @param replicas           wanted number of replicas (at least 1)
 * @param sizeBytes          volume size; a node needs at least this many free bytes (no thin provisioning)
 * @param strategy           ranking strategy
 * @param allowedZones       empty = any zone
 * @param nodeAffinity       node must carry all these labels (k=v)
 * @param nodeAntiAffinity   node must carry none of these labels
 * @param volumeAffinity     prefer nodes that already hold replicas of these volumes
 * @param volumeAntiAffinity never put a replica on a node holding a replica of these volumes
 * @param keepNodes          nodes that already hold healthy replicas of this volume (re-placement keeps them)
 * @param avoidNodes         nodes that must not be chosen (e.g. leaving or failed)
 */
public record PlacementRequest(
        String volumeName, int replicas, long sizeBytes, Strategy strategy,
        List<String> allowedZones,
        Map<String, String> nodeAffinity,
        Map<String, String> nodeAntiAffinity,
        Set<String> volumeAffinity,
        Set<String> volumeAntiAffinity,
        Set<String> keepNodes,
        Set<String> avoidNodes) {

    /** Storage class parameter: {@code spread} (default) or {@code balanced}. */
    public static final String PARAM_PLACEMENT = "placement";
    /** Storage class parameter: {@code k=v,k2=v2}; the node must carry all these labels. */
    public static final String PARAM_NODE_AFFINITY = "node_affinity";
    /** Storage class parameter: {@code k=v,k2=v2}; the node must carry none of these labels. */
    public static final String PARAM_NODE_ANTI_AFFINITY = "node_anti_affinity";
    /** Storage class parameter: {@code name1,name2}; prefer nodes holding replicas of these volumes. */
    public static final String PARAM_VOLUME_AFFINITY = "volume_affinity";
    /** Storage class parameter: {@code name1,name2}; never use nodes holding replicas of these volumes. */
    public static final String PARAM_VOLUME_ANTI_AFFINITY = "volume_anti_affinity";

    public PlacementRequest {
        Objects.requireNonNull(volumeName, "volumeName must not be null");
        if (volumeName.isBlank()) {
            throw new IllegalArgumentException("volumeName must not be blank");
        }
        if (replicas < 1) {
            throw new IllegalArgumentException("volume " + volumeName + ": replicas must be at least 1, was " + replicas);
        }
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("volume " + volumeName + ": sizeBytes must not be negative, was " + sizeBytes);
        }
        strategy = strategy == null ? Strategy.SPREAD : strategy;
        allowedZones = allowedZones == null ? List.of() : List.copyOf(allowedZones);
        nodeAffinity = sortedMap(nodeAffinity, "nodeAffinity");
        nodeAntiAffinity = sortedMap(nodeAntiAffinity, "nodeAntiAffinity");
        volumeAffinity = sortedSet(volumeAffinity, "volumeAffinity");
        volumeAntiAffinity = sortedSet(volumeAntiAffinity, "volumeAntiAffinity");
        keepNodes = orderedSet(keepNodes, "keepNodes");
        avoidNodes = sortedSet(avoidNodes, "avoidNodes");
    }

    /**
     * Builds a request from a storage class's parameters; {@code keepNodes} and {@code avoidNodes} are empty (see
     * {@link #withKeepNodes} and {@link #withAvoidNodes}). Recognised parameters: {@value #PARAM_PLACEMENT},
     * {@value #PARAM_NODE_AFFINITY}, {@value #PARAM_NODE_ANTI_AFFINITY}, {@value #PARAM_VOLUME_AFFINITY},
     * {@value #PARAM_VOLUME_ANTI_AFFINITY}; other parameters are ignored, blank values count as absent.
     *
     * @throws IllegalArgumentException with a one-line, readable message on bad syntax or bad numbers
     */
    public static PlacementRequest of(String volumeName, int replicas, long sizeBytes,
            Map<String, String> classParameters, List<String> allowedZones) {
        Map<String, String> params = classParameters == null ? Map.of() : classParameters;
        Strategy strategy = Strategy.SPREAD;
        String placement = params.get(PARAM_PLACEMENT);
        if (placement != null && !placement.isBlank()) {
            try {
                strategy = Strategy.parse(placement);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PARAM_PLACEMENT + ": " + e.getMessage(), e);
            }
        }
        return new PlacementRequest(volumeName, replicas, sizeBytes, strategy, allowedZones,
                parseLabels(PARAM_NODE_AFFINITY, params.get(PARAM_NODE_AFFINITY)),
                parseLabels(PARAM_NODE_ANTI_AFFINITY, params.get(PARAM_NODE_ANTI_AFFINITY)),
                parseNames(PARAM_VOLUME_AFFINITY, params.get(PARAM_VOLUME_AFFINITY)),
                parseNames(PARAM_VOLUME_ANTI_AFFINITY, params.get(PARAM_VOLUME_ANTI_AFFINITY)),
                Set.of(), Set.of());
    }

    /** A copy with the given keep nodes (see the class comment for their order). */
    public PlacementRequest withKeepNodes(Set<String> nodes) {
        return new PlacementRequest(volumeName, replicas, sizeBytes, strategy, allowedZones, nodeAffinity,
                nodeAntiAffinity, volumeAffinity, volumeAntiAffinity, nodes, avoidNodes);
    }

    /** A copy with the given avoid nodes. */
    public PlacementRequest withAvoidNodes(Set<String> nodes) {
        return new PlacementRequest(volumeName, replicas, sizeBytes, strategy, allowedZones, nodeAffinity,
                nodeAntiAffinity, volumeAffinity, volumeAntiAffinity, keepNodes, nodes);
    }

    /** A copy with another replica count. */
    public PlacementRequest withReplicas(int count) {
        return new PlacementRequest(volumeName, count, sizeBytes, strategy, allowedZones, nodeAffinity,
                nodeAntiAffinity, volumeAffinity, volumeAntiAffinity, keepNodes, avoidNodes);
    }

    // ---- parsing ----------------------------------------------------------------------------------------------

    /** Parses {@code "k=v,k2=v2"}; blank or {@code null} gives an empty map. */
    static Map<String, String> parseLabels(String param, String text) {
        if (text == null || text.isBlank()) {
            return Map.of();
        }
        TreeMap<String, String> labels = new TreeMap<>();
        for (String entry : entries(param, text, "k=v")) {
            int eq = entry.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(param + ": entry '" + entry + "' is not of the form key=value");
            }
            String key = entry.substring(0, eq).strip();
            String value = entry.substring(eq + 1).strip();
            if (key.isEmpty()) {
                throw new IllegalArgumentException(param + ": entry '" + entry + "' has an empty label key");
            }
            if (value.isEmpty()) {
                throw new IllegalArgumentException(param + ": entry '" + entry + "' has an empty value for label '"
                        + key + "'");
            }
            if (value.indexOf('=') >= 0) {
                throw new IllegalArgumentException(param + ": entry '" + entry + "' has more than one '='");
            }
            requireNoWhitespace(param, "label key", key);
            requireNoWhitespace(param, "label value", value);
            String previous = labels.putIfAbsent(key, value);
            if (previous != null) {
                throw new IllegalArgumentException(param + ": label key '" + key + "' appears more than once ('"
                        + key + "=" + previous + "' and '" + key + "=" + value + "')");
            }
        }
        return labels;
    }

    /** Parses {@code "name1,name2"}; blank or {@code null} gives an empty set; duplicates are merged. */
    static Set<String> parseNames(String param, String text) {
        if (text == null || text.isBlank()) {
            return Set.of();
        }
        TreeSet<String> names = new TreeSet<>();
        for (String entry : entries(param, text, "name1,name2")) {
            requireNoWhitespace(param, "volume name", entry);
            names.add(entry);
        }
        return names;
    }

    private static List<String> entries(String param, String text, String form) {
        String[] parts = text.split(",", -1);
        List<String> out = new java.util.ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            String entry = parts[i].strip();
            if (entry.isEmpty()) {
                throw new IllegalArgumentException(param + ": empty entry #" + (i + 1) + " in '" + text.strip()
                        + "' (expected " + form + ")");
            }
            out.add(entry);
        }
        return out;
    }

    private static void requireNoWhitespace(String param, String what, String token) {
        for (int i = 0; i < token.length(); i++) {
            if (Character.isWhitespace(token.charAt(i))) {
                throw new IllegalArgumentException(param + ": " + what + " '" + token + "' contains whitespace");
            }
        }
    }

    // ---- defensive copies -------------------------------------------------------------------------------------

    private static Map<String, String> sortedMap(Map<String, String> map, String what) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        TreeMap<String, String> copy = new TreeMap<>();
        map.forEach((k, v) -> copy.put(Objects.requireNonNull(k, what + " key must not be null"),
                Objects.requireNonNull(v, what + " value must not be null")));
        return Collections.unmodifiableMap(copy);
    }

    private static Set<String> sortedSet(Collection<String> set, String what) {
        if (set == null || set.isEmpty()) {
            return Set.of();
        }
        TreeSet<String> copy = new TreeSet<>();
        for (String s : set) {
            copy.add(Objects.requireNonNull(s, what + " must not contain null"));
        }
        return Collections.unmodifiableSortedSet(copy);
    }

    private static Set<String> orderedSet(Set<String> set, String what) {
        if (!(set instanceof SequencedSet<String>)) {
            return sortedSet(set, what);
        }
        if (set.isEmpty()) {
            return Set.of();
        }
        LinkedHashSet<String> copy = new LinkedHashSet<>();
        for (String s : set) {
            copy.add(Objects.requireNonNull(s, what + " must not contain null"));
        }
        return Collections.unmodifiableSequencedSet(copy);
    }
}
