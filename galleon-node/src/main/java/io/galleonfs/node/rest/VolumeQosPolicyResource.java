package io.galleonfs.node.rest;

import io.galleonfs.node.volume.qos.QosService;
import jakarta.inject.Provider;
import io.galleonfs.api.QosPolicyRef;
import io.galleonfs.api.VolumeQosInfo;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * Which named QoS policy a volume follows ({@code galleonfs volume set-qos VOL POLICY|none}). A class of its own so JAX-RS
 * does not route it to {@code VolumeDataResource}; admin only, like {@code .../qos}.
 */
@Path("/api/v1/volumes/{ref}/qos-policy")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class VolumeQosPolicyResource {
    @Inject
    VolumeRefs refs;

    @Inject
    Provider<QosService> qosService;

    @PUT
    public VolumeQosInfo set(@PathParam("ref") String ref, QosPolicyRef policy) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        return qosService.get().setVolumePolicy(ref, policy);
    }

    @DELETE
    public VolumeQosInfo clear(@PathParam("ref") String ref) {
        ref = refs.id(ref); // the caller's volume, as a UUID
        return qosService.get().clearVolumePolicy(ref);
    }
}
