package io.galleonfs.node.rest;

import jakarta.inject.Provider;
import io.galleonfs.api.StorageClassInfo;
import io.galleonfs.node.volume.StorageClassService;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/** {@code /api/v1/storage-classes}: the seed's storage class files, as JSON. */
@Path("/api/v1/storage-classes")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class StorageClassResource {

    @Inject
    Provider<StorageClassService> storageClassService;

    @GET
    public List<StorageClassInfo> list() {
        return storageClassService.get().list().stream().map(StorageClassService::toInfo).toList();
    }

    @GET
    @Path("/{name}")
    public StorageClassInfo get(@PathParam("name") String name) {
        return StorageClassService.toInfo(storageClassService.get().get(name));
    }

    @POST
    @Consumes({MediaType.APPLICATION_JSON, YamlBody.TYPE})
    public Response create(StorageClassInfo info) {
        StorageClassInfo created = StorageClassService.toInfo(storageClassService.get().create(info));
        return Response.created(URI.create("/api/v1/storage-classes/" + created.name())).entity(created).build();
    }

    @DELETE
    @Path("/{name}")
    public Response delete(@PathParam("name") String name) {
        storageClassService.get().delete(name);
        return Response.noContent().build();
    }
}
