package io.galleonfs.node.rest;

import io.galleonfs.node.meta.MetadataStore;
import jakarta.inject.Provider;
import io.galleonfs.node.auth.TenantView;
import io.galleonfs.node.volume.GalleonException;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/** The current caller's {@link TenantView} over the current metadata. */
@RequestScoped
public class Tenants {
    @Inject
    Caller caller;

    @Inject
    Provider<MetadataStore> metadataStore;

    TenantView view() {
        if (caller.scope().unrestricted()) {
            return new TenantView(caller.scope(), null);
        }
        if (metadataStore.get() == null) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "the node is starting; try again shortly");
        }
        return new TenantView(caller.scope(), metadataStore.get().state());
    }
}
