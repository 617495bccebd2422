package io.galleonfs.node.meta;

import io.galleonfs.api.Names;
import io.galleonfs.node.auth.NamespaceScope;
import java.util.List;
import java.util.UUID;

/**
 * How a volume reference names a volume for a caller who may see {@code scope}. Names are unique per namespace only, so:
 * a UUID always names one volume; {@code ns/name} (or a name with an explicit namespace) names one; a bare name is
 * looked up in the namespaces the caller may see, and is ambiguous when two of them hold it. Volumes outside the scope
 * do not exist here, so neither a miss nor an ambiguity tells a tenant anything about other namespaces.
 */
public final class VolumeLookup {
    /** Separates namespace and name in {@code ns/name}; neither names nor namespaces contain it. */
    public static final char NAMESPACE_SEPARATOR = '/';

    private VolumeLookup() {
    }

    public sealed interface Result {
    }

    public record Found(VolumeRecord volume) implements Result {
    }

    public record Missing() implements Result {
    }

    /** {@code name} exists in several visible namespaces and no namespace was given: the caller must pick one. */
    public record Ambiguous(String name, List<String> namespaces) implements Result {
        public String detail() {
            String ns = namespaces.getFirst();
            return "volume name '" + name + "' exists in namespaces " + String.join(", ", namespaces) + "; name one as "
                    + ns + NAMESPACE_SEPARATOR + name + " (API: ?namespace=" + ns + ") or by its UUID";
        }
    }

    /**
     * @param ref       a UUID, a name, or {@code ns/name}
     * @param namespace the namespace the caller chose explicitly, or null
     */
    public static Result resolve(MetadataState state, String ref, String namespace, NamespaceScope scope) {
        if (ref == null || ref.isBlank()) {
            return new Missing();
        }
        String ns = namespace == null || namespace.isBlank() ? null : namespace;
        if (Names.looksLikeUuid(ref)) {
            VolumeRecord v = state.volume(UUID.fromString(ref)).orElse(null);
            return v != null && ns != null && !v.namespace().equals(ns) ? new Missing() : visible(v, scope);
        }
        String name = ref;
        int slash = ref.indexOf(NAMESPACE_SEPARATOR);
        if (slash >= 0) {
            String prefix = ref.substring(0, slash);
            if (ns != null && !ns.equals(prefix)) {
                return new Missing();
            }
            ns = prefix;
            name = ref.substring(slash + 1);
        }
        if (ns != null) {
            return scope.allows(ns) ? visible(state.volumeByName(ns, name).orElse(null), scope) : new Missing();
        }
        List<VolumeRecord> candidates = state.volumesNamed(name).stream().filter(v -> scope.allows(v.namespace())).toList();
        return switch (candidates.size()) {
            case 0 -> new Missing();
            case 1 -> new Found(candidates.getFirst());
            default -> new Ambiguous(name, candidates.stream().map(VolumeRecord::namespace).toList());
        };
    }

    private static Result visible(VolumeRecord v, NamespaceScope scope) {
        return v != null && scope.allows(v.namespace()) ? new Found(v) : new Missing();
    }

    /** How a volume is named where a bare name would be ambiguous: {@code ns/name}, else its name. */
    public static String qualifiedName(MetadataState state, VolumeRecord v) {
        return state.volumesNamed(v.name()).size() > 1 ? v.namespace() + NAMESPACE_SEPARATOR + v.name() : v.name();
    }
}
