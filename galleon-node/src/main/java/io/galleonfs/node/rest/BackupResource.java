package io.galleonfs.node.rest;

import jakarta.inject.Provider;
import io.galleonfs.api.BackupView;
import io.galleonfs.api.CopyBackupRequest;
import io.galleonfs.api.CreateBackupRequest;
import io.galleonfs.api.RestoreBackupRequest;
import io.galleonfs.node.volume.GalleonException;
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
import java.util.List;

/**
 * {@code /api/v1/backups}: the catalog, and the jobs that create, restore, verify and copy backups. Job-starting calls
 * answer 202 with the job, or 200 with the finished job when {@code wait=true}.
 */
@Path("/api/v1/backups")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class BackupResource {

    @Inject
    Provider<io.galleonfs.node.backup.BackupService> backups;

    @Inject
    Tenants tenants;

    @POST
    public Response create(CreateBackupRequest request, @QueryParam("wait") boolean wait,
                           @jakarta.ws.rs.HeaderParam("Idempotency-Key") String keyHeader) {
        if (request == null) {
            throw GalleonException.badRequest("request body is required: volume, target and strategy");
        }
        String volume = tenants.view().volumeRef(request.volume())
                .orElseThrow(() -> GalleonException.notFound("volume '" + request.volume() + "' not found"));
        String key = request.idempotencyKey() != null ? request.idempotencyKey() : keyHeader;
        var job = backups.get().backup(volume, request.target(), request.strategy(), key);
        return JobResource.answer(backups.get(), job, wait || Boolean.TRUE.equals(request.waitForJob()));
    }

    @GET
    public List<BackupView> list(@QueryParam("volume") String volume) {
        var view = tenants.view();
        if (volume != null && !volume.isBlank() && view.volumeRef(volume).isEmpty()) {
            return List.of(); // none of the caller's namespaces holds it
        }
        String ref = volume == null || volume.isBlank() ? volume : view.volumeRef(volume).orElseThrow();
        return backups.get().list(ref).stream().filter(view::backup).map(BackupViews::backup).toList();
    }

    @GET
    @Path("/{id}")
    public BackupView get(@PathParam("id") String id) {
        return BackupViews.backup(visible(id));
    }

    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id) {
        visible(id);
        backups.get().delete(id);
        return Response.noContent().build();
    }

    @POST
    @Path("/{id}/restore")
    public Response restore(@PathParam("id") String id, RestoreBackupRequest request, @QueryParam("wait") boolean wait) {
        visible(id);
        var view = tenants.view();
        boolean toNewVolume = request != null && request.toVolume() != null && !request.toVolume().isBlank();
        if (toNewVolume && !view.allowsNamespace(io.galleonfs.node.meta.VolumeRecord.DEFAULT_NAMESPACE)) {
            throw GalleonException.forbidden("a restore to a new volume creates it in namespace '"
                    + io.galleonfs.node.meta.VolumeRecord.DEFAULT_NAMESPACE + "', which this token does not cover; restore in place instead");
        }
        return JobResource.answer(backups.get(), backups.get().restore(id, request), wait);
    }

    @POST
    @Path("/{id}/verify")
    @Consumes(MediaType.WILDCARD) // no body
    public Response verify(@PathParam("id") String id, @QueryParam("quick") boolean quick, @QueryParam("wait") boolean wait) {
        visible(id);
        return JobResource.answer(backups.get(), backups.get().verify(id, quick), wait);
    }

    @POST
    @Path("/{id}/copy")
    public Response copy(@PathParam("id") String id, CopyBackupRequest request, @QueryParam("wait") boolean wait) {
        visible(id);
        return JobResource.answer(backups.get(), backups.get().copy(id, request == null ? null : request.toTarget()), wait);
    }

    /** The backup, if the caller's namespaces cover its volume; otherwise answered exactly like a missing one. */
    private io.galleonfs.node.meta.BackupRecord visible(String id) {
        var b = backups.get().get(id);
        if (!tenants.view().backup(b)) {
            throw GalleonException.notFound("backup " + id + " not found");
        }
        return b;
    }
}
