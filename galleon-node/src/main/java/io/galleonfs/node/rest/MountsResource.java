package io.galleonfs.node.rest;

import io.galleonfs.api.MountInfo;
import io.galleonfs.node.fuse.FuseMounts;
import io.galleonfs.node.volume.GalleonException;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code /api/v1/mounts}: every mount in the cluster, and unmounting by path on the answering node. */
@Path("/api/v1/mounts")
@Produces(MediaType.APPLICATION_JSON)
public class MountsResource {

    @Inject
    FuseMounts mounts;

    @Inject
    jakarta.inject.Provider<io.galleonfs.node.volume.VolumeService> volumeService;

    @Inject
    Caller caller;

    @GET
    public List<MountInfo> list() {
        var scope = caller.scope();
        return mounts.service().list(null).stream()
                .filter(v -> scope.unrestricted() || volumeService.get().namespaceOf(v.volumeId()).filter(scope::allows).isPresent())
                .map(MountResource::info).toList();
    }

    @DELETE
    public MountInfo unmountPath(@QueryParam("path") String path, @QueryParam("force") boolean force) {
        if (path == null || path.isBlank()) {
            throw GalleonException.badRequest("query parameter path is required: the mount path to unmount");
        }
        return MountResource.info(mounts.service().unmountPath(path, force, caller.scope()));
    }
}
