package io.galleonfs.policy;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Which volumes a policy covers, decided afresh at each run from the volumes as they are then, so a volume labelled
 * after the policy was written is covered from its next run on. A volume is covered when it is named, or when the
 * selector has labels or a namespace and the volume carries every label (equal values) and is in that namespace.
 */
public record VolumeSelection(List<String> names, Map<String, String> labels, String namespace) {

    /** A volume as the selection sees it. */
    public record Candidate(String name, String namespace, Map<String, String> labels) {
        public Candidate {
            labels = labels == null ? Map.of() : labels;
        }

        /**
         * How the API is told which volume: {@code namespace/name} outside the default namespace (names are unique per
         * namespace, so a bare name may be ambiguous there), the bare name in it (as before namespaces existed).
         */
        public String ref() {
            return namespace == null || namespace.equals(DEFAULT_NAMESPACE) ? name : namespace + "/" + name;
        }
    }

    /** The namespace of volumes created without one. */
    public static final String DEFAULT_NAMESPACE = "default";

    public VolumeSelection {
        names = names == null ? List.of() : List.copyOf(names);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        namespace = namespace == null || namespace.isBlank() ? null : namespace;
    }

    public boolean empty() {
        return names.isEmpty() && labels.isEmpty() && namespace == null;
    }

    public boolean covers(Candidate v) {
        if (names.contains(v.name()) || names.contains(v.ref())) {
            return true;
        }
        if (labels.isEmpty() && namespace == null) {
            return false;
        }
        if (namespace != null && !namespace.equals(v.namespace())) {
            return false;
        }
        return labels.entrySet().stream().allMatch(e -> e.getValue().equals(v.labels().get(e.getKey())));
    }

    /** The covered volumes' references ({@link Candidate#ref()}), in the order given. */
    public List<String> select(Collection<Candidate> volumes) {
        return volumes.stream().filter(this::covers).map(Candidate::ref).toList();
    }
}
