package io.galleonfs.node.placement;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/** Outcome of {@link PlacementEngine#place}. The first node id of a non-empty list is the proposed primary. */
public sealed interface PlacementResult {

    /** Exactly {@code replicas} distinct nodes; kept nodes first. */
    record Placed(List<String> nodeIds) implements PlacementResult {
        public Placed {
            nodeIds = checkedIds(nodeIds);
        }
    }

    /** Fewer nodes than wanted (at least one), with the reason naming the excluded nodes. */
    record Partial(List<String> nodeIds, String reason) implements PlacementResult {
        public Partial {
            nodeIds = checkedIds(nodeIds);
            reason = checkedReason(reason);
        }
    }

    /** No eligible node at all. */
    record Impossible(String reason) implements PlacementResult {
        public Impossible {
            reason = checkedReason(reason);
        }
    }

    private static List<String> checkedIds(List<String> nodeIds) {
        List<String> copy = List.copyOf(Objects.requireNonNull(nodeIds, "nodeIds must not be null"));
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("nodeIds must not be empty");
        }
        if (new HashSet<>(copy).size() != copy.size()) {
            throw new IllegalArgumentException("nodeIds must be distinct: " + copy);
        }
        return copy;
    }

    private static String checkedReason(String reason) {
        Objects.requireNonNull(reason, "reason must not be null");
        if (reason.isBlank()) {
            throw new IllegalArgumentException("reason must not be blank");
        }
        return reason;
    }
}
