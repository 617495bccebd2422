package io.galleonfs.node.rest;

import io.galleonfs.node.volume.VolumeService;
import jakarta.inject.Provider;
import io.galleonfs.node.meta.VolumeRecord;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * The volume a {@code /api/v1/volumes/{ref}...} request names for its caller, as {@link NamespaceFilter} resolved it
 * (names are unique per namespace only, so a bare name means something different to different tokens). Resources hand
 * the services its UUID, which names the same volume whoever asks.
 */
@RequestScoped
public class VolumeRefs {
    /** Query parameter that picks the namespace of a bare volume name, like the {@code ns/name} form. */
    public static final String NAMESPACE_PARAM = "namespace";

    @Inject
    Provider<VolumeService> volumeService;

    @Inject
    Caller caller;

    private String ref;
    private String namespace;
    private VolumeRecord resolved;

    void resolved(String ref, String namespace, VolumeRecord v) {
        this.ref = ref;
        this.namespace = namespace;
        this.resolved = v;
    }

    /** The UUID of the volume {@code ref} names for this caller; 404 or 409 (ambiguous name) otherwise. */
    String id(String ref) {
        if (resolved != null && ref.equals(this.ref)) {
            return resolved.id().toString();
        }
        return volumeService.get().resolve(ref, namespace, caller.scope()).id().toString();
    }
}
