package io.galleonfs.node.rest;

import io.galleonfs.node.daemon.NodeServices;
import io.galleonfs.node.meta.MetadataStore;
import jakarta.inject.Provider;
import io.galleonfs.api.MissedRunsRequest;
import io.galleonfs.api.PolicyInfo;
import io.galleonfs.api.PolicyRunInfo;
import io.galleonfs.api.PolicySpec;
import io.galleonfs.api.PrunedRequest;
import io.galleonfs.api.RunClaimRequest;
import io.galleonfs.api.RunUpdateRequest;
import io.galleonfs.node.policy.PolicyService;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Clock;
import java.util.List;

/**
 * {@code /api/v1/policies}: backup and snapshot policies for people (create, suspend, run-now, history) and the run
 * claims and reports of galleon-scheduler ({@code .../runs}, {@code .../missed}, {@code .../pruned}).
 */
@Path("/api/v1/policies")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PolicyResource {

    @Inject
    Provider<MetadataStore> metadataStore;

    @Inject
    Provider<NodeServices.Self> self;

    private PolicyService policies() {
        return new PolicyService(metadataStore.get(), Clock.systemUTC());
    }

    @Inject
    Caller caller;

    @Inject
    PolicyBeans beans;

    @Inject
    Tenants tenants;

    @POST
    @Consumes({MediaType.APPLICATION_JSON, YamlBody.TYPE})
    public Response create(PolicySpec spec) {
        if (PolicyService.hasCommandHook(spec) && caller.token().map(t -> t.role() != io.galleonfs.node.auth.Role.ADMIN).orElse(false)) {
            throw io.galleonfs.node.volume.GalleonException.forbidden("a policy with a command hook runs that command on nodes: only an"
                    + " admin token may create one");
        }
        PolicyInfo created = policies().create(spec);
        return Response.created(URI.create("/api/v1/policies/" + created.spec().name())).entity(created).build();
    }

    /** The policies; with {@code If-None-Match} naming the current list, 304 and no body (schedulers poll this). */
    @GET
    public Response list(@jakarta.ws.rs.HeaderParam("If-None-Match") String ifNoneMatch) {
        PolicyService service = policies();
        io.galleonfs.node.policy.PolicyListing.Listing l = beans.listing().current(metadataStore.get().state(), java.time.Instant.now(),
                state -> service.list());
        jakarta.ws.rs.core.EntityTag tag = new jakarta.ws.rs.core.EntityTag(l.etag().substring(1, l.etag().length() - 1));
        if (l.etag().equals(ifNoneMatch)) {
            return Response.notModified(tag).build();
        }
        return Response.ok(l.policies()).tag(tag).build();
    }

    @GET
    @Path("/{name}")
    public PolicyInfo get(@PathParam("name") String name) {
        return policies().get(name);
    }

    /** Replaces the policy's spec; its history, status and schedule watermark stay (see MetaCommand.UpdatePolicy). */
    @PUT
    @Path("/{name}")
    @Consumes({MediaType.APPLICATION_JSON, YamlBody.TYPE})
    public PolicyInfo update(@PathParam("name") String name, PolicySpec spec) {
        if (PolicyService.hasCommandHook(spec) && caller.token().map(t -> t.role() != io.galleonfs.node.auth.Role.ADMIN).orElse(false)) {
            throw io.galleonfs.node.volume.GalleonException.forbidden("a policy with a command hook runs that command on nodes: only an"
                    + " admin token may create one");
        }
        return policies().update(name, spec);
    }

    @DELETE
    @Path("/{name}")
    public Response delete(@PathParam("name") String name) {
        policies().delete(name);
        return Response.noContent().build();
    }

    /**
     * Runs the policy's command hook for the phase (pre, post) on this node, if the volume is mounted here; see
     * PolicyService. An operator (a scheduler's token) may run it: only an admin can have stored the command, and it
     * runs only for a volume the policy covers and the caller may see.
     */
    @POST
    @Path("/{name}/hooks/{phase}")
    @io.smallrye.common.annotation.Blocking
    public io.galleonfs.api.HookResult hook(@PathParam("name") String name, @PathParam("phase") String phase,
                                           io.galleonfs.api.HookRequest request) {
        if (request != null && request.volume() != null && !request.volume().isBlank() && !tenants.view().volume(request.volume())) {
            throw io.galleonfs.node.volume.GalleonException.notFound("volume '" + request.volume() + "' not found");
        }
        return policies().runHook(name, phase, request, self.get().nodeId(), beans.hooks());
    }

    /** Renames the policy ({"name": NEW}); its history, and so what its retention prunes, moves with it. */

    @POST
    @Path("/{name}/rename")
    public PolicyInfo rename(@PathParam("name") String name, io.galleonfs.api.NameRequest request) {
        if (request == null || request.name() == null) {
            throw io.galleonfs.node.volume.GalleonException.badRequest("name is required: the policy's new name");
        }
        return policies().rename(name, request.name());
    }

    @POST
    @Path("/{name}/suspend")
    @Consumes(MediaType.WILDCARD)
    public PolicyInfo suspend(@PathParam("name") String name) {
        return policies().setSuspended(name, true);
    }

    @POST
    @Path("/{name}/resume")
    @Consumes(MediaType.WILDCARD)
    public PolicyInfo resume(@PathParam("name") String name) {
        return policies().setSuspended(name, false);
    }

    @POST
    @Path("/{name}/run-now")
    @Consumes(MediaType.WILDCARD)
    public Response runNow(@PathParam("name") String name) {
        return Response.accepted(policies().runNow(name)).build();
    }

    @GET
    @Path("/{name}/history")
    public List<PolicyRunInfo> history(@PathParam("name") String name, @QueryParam("limit") int limit) {
        return policies().history(name, limit);
    }

    /** Claims one firing; 409 when another scheduler (or an earlier attempt) already handled it. */
    @POST
    @Path("/{name}/runs")
    public Response claim(@PathParam("name") String name, RunClaimRequest request) {
        PolicyRunInfo run = policies().claim(name, request);
        return Response.created(URI.create("/api/v1/policies/" + name + "/runs/" + run.id())).entity(run).build();
    }

    @POST
    @Path("/{name}/runs/{id}/claim")
    public PolicyRunInfo acquire(@PathParam("name") String name, @PathParam("id") String id, RunClaimRequest request) {
        return policies().acquire(name, id, request);
    }

    @PUT
    @Path("/{name}/runs/{id}")
    public PolicyRunInfo update(@PathParam("name") String name, @PathParam("id") String id, RunUpdateRequest request) {
        return policies().update(name, id, request);
    }

    @POST
    @Path("/{name}/missed")
    public Response missed(@PathParam("name") String name, MissedRunsRequest request) {
        return Response.status(Response.Status.CREATED).entity(policies().missed(name, request)).build();
    }

    @POST
    @Path("/{name}/pruned")
    public Response pruned(@PathParam("name") String name, PrunedRequest request) {
        policies().pruned(name, request);
        return Response.noContent().build();
    }
}
