package io.galleonfs.node.rest;

import io.galleonfs.api.MountInfo;
import io.galleonfs.api.MountRequest;
import io.galleonfs.node.fuse.FuseMounts;
import io.galleonfs.node.fuse.MountService;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/**
 * A volume's mounts: {@code /api/v1/volumes/{ref}/mounts} (all mounts: {@link MountsResource}). Mounting happens on the
 * node that answers. Methods block (mounting a file system can take seconds) and run on worker threads.
 */
@Path("/api/v1/volumes/{ref}/mounts")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class MountResource {
    @Inject
    VolumeRefs refs;

    @Inject
    FuseMounts mounts;

    @Inject
    Caller caller;

    @POST
    public Response mount(@PathParam("ref") String ref, MountRequest request) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        MountRequest r = request == null ? new MountRequest(null, List.of()) : request;
        // No token (auth off) counts as admin: that node trusts whoever reaches its API.
        boolean admin = caller.token().map(t -> t.role() == io.galleonfs.node.auth.Role.ADMIN).orElse(true);
        MountInfo created = info(mounts.service().mount(ref, r.path(), r.options(), admin));
        return Response.created(URI.create("/api/v1/volumes/" + created.volumeId() + "/mounts/" + created.id())).entity(created).build();
    }

    @GET
    public List<MountInfo> listOfVolume(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        return mounts.service().list(ref).stream().map(MountResource::info).toList();
    }

    @DELETE
    @Path("/{id}")
    public Response unmount(@PathParam("ref") String ref, @PathParam("id") String id, @QueryParam("force") boolean force) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        mounts.service().unmount(ref, id, force);
        return Response.noContent().build();
    }

    @DELETE
    public List<MountInfo> unmountVolume(@PathParam("ref") String ref, @QueryParam("path") String path,
                                         @QueryParam("force") boolean force) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        return mounts.service().unmountVolume(ref, path, force).stream().map(MountResource::info).toList();
    }

    static MountInfo info(MountService.View v) {
        return new MountInfo(v.record().id(), v.record().path(), v.record().options(), v.record().node(), v.volumeId().toString(),
                v.volumeName(), v.state());
    }
}
