package io.galleonfs.node.rest;

import io.galleonfs.node.volume.VolumeDataService;
import jakarta.inject.Provider;
import io.galleonfs.api.CreateVolumeRequest;
import io.galleonfs.api.MountInfo;
import io.galleonfs.api.ReplicaInfo;
import io.galleonfs.api.VolumeInfo;
import io.galleonfs.engine.VolumeUsage;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.VolumeService;
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
import java.time.Instant;
import java.util.List;

/** {@code /api/v1/volumes}: volume lifecycle. A thin adapter over {@link VolumeService}. */
@Path("/api/v1/volumes")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class VolumeResource {
    @Inject
    VolumeRefs refs;

    @Inject
    Provider<VolumeDataService> dataService;

    @Inject
    Provider<VolumeService> volumeService;

    @Inject
    io.galleonfs.node.fuse.FuseMounts fuse;

    @Inject
    Caller caller;

    @GET
    public List<VolumeInfo> list() {
        return volumeService.get().list(caller.scope()).stream().map(this::toInfo).toList();
    }

    @POST
    public Response create(CreateVolumeRequest request) {
        String namespace = request == null || request.namespace() == null || request.namespace().isBlank()
                ? VolumeRecord.DEFAULT_NAMESPACE : request.namespace();
        if (!caller.scope().allows(namespace)) {
            throw GalleonException.forbidden("the token '" + caller.token().map(t -> t.name()).orElse("?")
                    + "' may not use namespace '" + namespace + "'; it covers " + caller.scope());
        }
        VolumeInfo created = toInfo(volumeService.get().create(request));
        return Response.created(URI.create("/api/v1/volumes/" + created.id())).entity(created).build();
    }

    @GET
    @Path("/{ref}")
    public VolumeInfo get(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        return toInfo(volumeService.get().get(ref));
    }

    @DELETE
    @Path("/{ref}")
    public Response delete(@PathParam("ref") String ref, @QueryParam("force") boolean force) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        volumeService.get().delete(ref, force);
        return Response.noContent().build();
    }

    @jakarta.ws.rs.PUT
    @Path("/{ref}/labels")
    public VolumeInfo setLabels(@PathParam("ref") String ref, io.galleonfs.api.VolumeLabelsRequest request) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        if (request == null) {
            throw GalleonException.badRequest("request body is required: {set: {key: value}, remove: [key]}");
        }
        return toInfo(volumeService.get().setLabels(ref, request.set(), request.remove()));
    }

    VolumeInfo toInfo(VolumeRecord v) {
        var states = volumeService.get().nodeStates(); // once: building it reads this node's heartbeat
        VolumeService.VolumeHealth health = volumeService.get().health(v, states);
        var live = dataService.get().liveReplicaStates(v);
        List<ReplicaInfo> replicas = v.replicaNodes().stream().map(n -> {
            String state = VolumeService.replicaState(v, n, states);
            int progress = state.equals("healthy") ? 100 : 0;
            if (live.containsKey(n) && !state.equals("stale")) {
                state = live.get(n).state();
                progress = live.get(n).progress();
            }
            return new ReplicaInfo(n, state, progress, n.equals(v.node()));
        }).toList();
        List<MountInfo> mounts = v.mounts().stream().map(m -> MountResource.info(fuse.service().view(v, m))).toList();
        VolumeUsage usage = dataService.get().usage(v);
        return new VolumeInfo(v.id().toString(), v.name(), v.volumeType(), v.sizeBytes(), v.blockSize(), v.storageClass(),
                v.replicas(), v.accessMode(), v.encrypted(), health.state(), health.reason(),
                Instant.ofEpochMilli(v.createdAtMillis()).toString(), usage.allocatedBytes(), usage.snapshotCount(), replicas, mounts,
                volumeService.get().clients().of(v.id()), v.namespace(), volumeService.get().labels(v));
    }
}
