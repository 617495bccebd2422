package io.galleonfs.cli;

import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.VolumeInfo;
import java.util.List;

/**
 * Volume names are unique per namespace only, so a volume argument may be {@code ns/name}. The API names a volume in one
 * path segment, so the CLI turns {@code ns/name} into the volume's UUID from the caller's own listing (which holds only
 * namespaces its token may see) before the call leaves; bare names and UUIDs go as they are and the daemon resolves them
 * (a bare name in two of the caller's namespaces is refused there with the list to choose from).
 */
final class NamespacedRefs {
    static final char SEPARATOR = '/';

    private NamespacedRefs() {
    }

    static boolean qualified(String ref) {
        return ref != null && ref.indexOf(SEPARATOR) > 0;
    }

    /** The UUID of the volume {@code ns/name} names; one readable line when there is none. */
    static String resolve(GalleonApi api, String ref) {
        int slash = ref.indexOf(SEPARATOR);
        String namespace = ref.substring(0, slash);
        String name = ref.substring(slash + 1);
        try {
            // Each part must be a name on its own (no dot segments, no further slash) before anything is asked.
            io.galleonfs.api.PathParams.requireValid("/volumes/{ref}", "ref", namespace);
            io.galleonfs.api.PathParams.requireValid("/volumes/{ref}", "ref", name);
        } catch (IllegalArgumentException e) {
            throw new ErrorHandler.CliException(e.getMessage());
        }
        List<VolumeInfo> all = api.listVolumes();
        List<VolumeInfo> found = (all == null ? List.<VolumeInfo>of() : all).stream()
                .filter(v -> name.equals(v.name()) && namespace.equals(v.namespace())).toList();
        if (found.isEmpty()) {
            throw new ErrorHandler.CliException("volume '" + ref + "' not found");
        }
        return found.getFirst().id();
    }

    /** How to name {@code v} so that it is unambiguous whoever asks: {@code ns/name} outside {@code default}. */
    static String of(VolumeInfo v) {
        return v.namespace() == null || v.namespace().isBlank() || v.namespace().equals("default") ? v.name()
                : v.namespace() + SEPARATOR + v.name();
    }
}
