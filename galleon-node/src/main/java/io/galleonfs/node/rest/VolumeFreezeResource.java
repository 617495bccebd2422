package io.galleonfs.node.rest;

import io.galleonfs.node.daemon.NodeServices;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.volume.VolumeService;
import jakarta.inject.Provider;
import io.galleonfs.api.FreezeRequest;
import io.galleonfs.api.FreezeResult;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.policy.VolumeFreezer;
import io.galleonfs.node.volume.GalleonException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * {@code /api/v1/volumes/{ref}/freeze} and {@code /thaw}: fsfreeze of the volume's file-system-mode mounts on the node
 * that has them, around an application-consistent snapshot. A volume mounted on another node is answered 503 naming
 * it, so a client knowing several nodes moves on to that one.
 */
@Path("/api/v1/volumes/{ref}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class VolumeFreezeResource {
    @Inject
    VolumeRefs refs;

    @Inject
    Provider<MetadataStore> metadataStore;

    @Inject
    Provider<VolumeService> volumeService;

    @Inject
    Provider<NodeServices.Self> self;

    @Inject
    PolicyBeans beans;

    @POST
    @Path("/freeze")
    public FreezeResult freeze(@PathParam("ref") String ref, FreezeRequest request) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        VolumeRecord v = local(ref);
        int timeout = request == null || request.timeoutSeconds() == null ? 60 : request.timeoutSeconds();
        VolumeFreezer.Outcome o = beans.freezer().freeze(v, timeout);
        return new FreezeResult(v.name(), self.get().nodeId(), o.paths(), o.thawBy().toString(), null);
    }

    @POST
    @Path("/thaw")
    public FreezeResult thaw(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        VolumeRecord v = local(ref);
        VolumeFreezer.Outcome o = beans.freezer().thaw(v);
        return new FreezeResult(v.name(), self.get().nodeId(), o.paths(), o.thawBy() == null ? null : o.thawBy().toString(), o.wasFrozen());
    }

    /** The volume, if its mounts are on this node (or it has none); otherwise 503 naming the node that has them. */
    private VolumeRecord local(String ref) {
        VolumeRecord v = volumeService.get().get(ref);
        List<String> on = v.mounts().stream().map(m -> m.node()).distinct().toList();
        if (!on.isEmpty() && !on.contains(self.get().nodeId())) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "volume '" + v.name() + "' is mounted on node " + on.getFirst()
                    + metadataStore.get().state().node(on.getFirst()).map(n -> " (api " + n.ipcAddress() + ")").orElse("")
                    + ": freeze it there");
        }
        return v;
    }
}
