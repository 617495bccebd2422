package io.galleonfs.node.rest;

import io.galleonfs.node.volume.qos.QosService;
import jakarta.inject.Provider;
import io.galleonfs.api.QosPolicy;
import io.galleonfs.api.VolumeQosInfo;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * A volume's QoS policy. A class of its own under {@code .../{ref}/qos} (like the metrics resource) so JAX-RS does not
 * route it to {@code VolumeDataResource}. Metadata commands block for a Raft round: these run on worker threads.
 */
@Path("/api/v1/volumes/{ref}/qos")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class VolumeQosResource {
    @Inject
    VolumeRefs refs;

    @Inject
    Provider<QosService> qosService;

    @GET
    public VolumeQosInfo get(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        return qosService.get().get(ref);
    }

    @PUT
    public VolumeQosInfo set(@PathParam("ref") String ref, QosPolicy policy) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        return qosService.get().set(ref, policy);
    }

    @DELETE
    public VolumeQosInfo clear(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        return qosService.get().clear(ref);
    }
}
