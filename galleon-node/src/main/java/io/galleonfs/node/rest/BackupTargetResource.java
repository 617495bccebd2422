package io.galleonfs.node.rest;

import jakarta.inject.Provider;
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
    Provider<io.galleonfs.node.backup.BackupService> backups;
    @Inject
    Provider<io.galleonfs.node.backup.TargetService> targets;

    @POST
    public Response create(CreateBackupTargetRequest request) {
        BackupTargetRecord t = targets.get().create(request);
        return Response.created(URI.create("/api/v1/backup-targets/" + t.name())).entity(targets.get().info(t)).build();
    }

    @GET
    public List<BackupTargetInfo> list() {
        return targets.get().list().stream().map(targets.get()::info).toList();
    }

    @GET
    @Path("/{name}")
    public BackupTargetInfo get(@PathParam("name") String name) {
        return targets.get().info(targets.get().get(name));
    }

    @DELETE
    @Path("/{name}")
    public Response delete(@PathParam("name") String name, @QueryParam("force") boolean force) {
        targets.get().delete(name, force);
        return Response.noContent().build();
    }

    @POST
    @Path("/{name}/prune")
    @Consumes(MediaType.WILDCARD) // no body
    public Response prune(@PathParam("name") String name, @QueryParam("wait") boolean wait) {
        return JobResource.answer(backups.get(), backups.get().prune(name), wait);
    }
}
