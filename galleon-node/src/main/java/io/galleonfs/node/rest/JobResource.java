package io.galleonfs.node.rest;

import jakarta.inject.Provider;
import io.galleonfs.api.JobInfo;
import io.galleonfs.node.backup.BackupService;
import io.galleonfs.node.meta.JobRecord;
import io.galleonfs.node.volume.GalleonException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** {@code /api/v1/jobs}: backup jobs, their progress (also as a server-sent event stream) and cancellation. */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {
    /** Longest a {@code wait=true} request blocks; the answer is then the job as it is (still running). */
    static final long MAX_WAIT_MILLIS = 3_600_000;

    @Inject
    Provider<io.galleonfs.node.backup.BackupService> backups;

    @Inject
    Tenants tenants;

    @GET
    public List<JobInfo> list() {
        var view = tenants.view();
        return backups.get().jobs().list().stream().filter(view::job).map(BackupViews::job).toList();
    }

    @GET
    @Path("/{id}")
    public JobInfo get(@PathParam("id") String id) {
        return BackupViews.job(find(id));
    }

    @POST
    @Path("/{id}/cancel")
    public JobInfo cancel(@PathParam("id") String id) {
        find(id);
        return BackupViews.job(backups.get().jobs().cancel(id));
    }

    /**
     * One event per half second while the job runs, then its final state, then the stream ends. A job running on this
     * node also wakes the stream the moment it ends, so a client following it (the CLI's {@code --wait}) learns the end
     * without waiting for the next tick.
     */
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<JobInfo> events(@PathParam("id") String id) {
        find(id);
        var jobs = backups.get().jobs();
        // Ticks come from Mutiny's worker pool, not the event loop; reading a job is an in-memory lookup. The end is
        // moved off the job's own thread, which completes it.
        Multi<Long> ticks = Multi.createFrom().ticks().startingAfter(Duration.ofMillis(1)).every(Duration.ofMillis(500))
                .onOverflow().drop();
        Multi<Long> end = jobs.ending(id)
                .map(f -> Multi.createFrom().completionStage(f).map(j -> -1L).emitOn(Infrastructure.getDefaultWorkerPool()))
                .orElseGet(() -> Multi.createFrom().empty());
        return Multi.createBy().merging().streams(ticks, end)
                .map(t -> jobs.job(id).orElse(null))
                .select().where(j -> j != null)
                .select().first(j -> !j.finished())
                .onCompletion().switchTo(() -> Multi.createFrom().optional(jobs.job(id)))
                .map(BackupViews::job);
    }

    private JobRecord find(String id) {
        return backups.get().jobs().job(id).filter(tenants.view()::job)
                .orElseThrow(() -> GalleonException.notFound("job " + id + " not found"));
    }

    static Response answer(BackupService backups, JobRecord job, boolean wait) {
        if (!wait) {
            return Response.accepted(BackupViews.job(job)).location(URI.create("/api/v1/jobs/" + job.id())).build();
        }
        try {
            JobRecord done = backups.jobs().await(job.id(), MAX_WAIT_MILLIS);
            return Response.ok(BackupViews.job(done == null ? job : done)).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "interrupted while waiting for job " + job.id());
        }
    }
}
