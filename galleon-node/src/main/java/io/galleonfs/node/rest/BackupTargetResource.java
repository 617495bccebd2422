package io.galleonfs.node.rest;

import io.galleonfs.api.BackupTargetInfo;
import io.galleonfs.api.CreateBackupTargetRequest;
import io.galleonfs.api.JobInfo;
import io.galleonfs.node.meta.BackupTargetRecord;
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

/** {@code /api/v1/backup-targets}: where backup repositories live (admin), and their prune job (operator). */
@Path("/api/v1/backup-targets")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class BackupTargetResource {

    @Inject
    BackupBeans.BackupServices services;

    @POST
    public Response create(CreateBackupTargetRequest request) {
        BackupTargetRecord t = services.targets().create(request);
        return Response.created(URI.create("/api/v1/backup-targets/" + t.name())).entity(services.targets().info(t)).build();
    }

    @GET
    public List<BackupTargetInfo> list() {
        return services.targets().list().stream().map(services.targets()::info).toList();
    }

    @GET
    @Path("/{name}")
    public BackupTargetInfo get(@PathParam("name") String name) {
        return services.targets().info(services.targets().get(name));
    }

    @DELETE
    @Path("/{name}")
    public Response delete(@PathParam("name") String name, @QueryParam("force") boolean force) {
        services.targets().delete(name, force);
        return Response.noContent().build();
    }

    @POST
    @Path("/{name}/prune")
    @Consumes(MediaType.WILDCARD) // no body
    public Response prune(@PathParam("name") String name, @QueryParam("wait") boolean wait) {
        return JobResource.answer(services.backups(), services.backups().prune(name), wait);
    }
}
