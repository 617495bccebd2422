package io.galleonfs.node.rest;

import jakarta.inject.Provider;
import io.galleonfs.api.QosPolicy;
import io.galleonfs.api.QosPolicyInfo;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.qos.QosService;
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
import java.util.List;

/**
 * {@code /api/v1/qos-policies}: named QoS policies (the seed's QoSPolicy) that volumes ({@code .../qos-policy}) and storage
 * classes (parameter {@code qos_policy}) follow. Changing them needs the admin role ({@code AccessRule}). Metadata
 * commands block for a Raft round: these run on worker threads.
 */
@Path("/api/v1/qos-policies")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class QosPolicyResource {

    @Inject
    Provider<QosService> qosService;

    private QosService qos() {
        QosService s = qosService.get();
        if (s == null) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "the node is still starting");
        }
        return s;
    }

    @POST
    @Consumes({MediaType.APPLICATION_JSON, YamlBody.TYPE})
    public Response create(QosPolicy policy) {
        QosPolicyInfo created = qos().createPolicy(policy);
        return Response.created(URI.create("/api/v1/qos-policies/" + created.policy().name())).entity(created).build();
    }

    @GET
    public List<QosPolicyInfo> list() {
        return qos().listPolicies();
    }

    @GET
    @Path("/{name}")
    public QosPolicyInfo get(@PathParam("name") String name) {
        return qos().getPolicy(name);
    }

    @PUT
    @Path("/{name}")
    @Consumes({MediaType.APPLICATION_JSON, YamlBody.TYPE})
    public QosPolicyInfo update(@PathParam("name") String name, QosPolicy policy) {
        return qos().updatePolicy(name, policy);
    }

    @DELETE
    @Path("/{name}")
    public Response delete(@PathParam("name") String name, @QueryParam("force") boolean force) {
        qos().deletePolicy(name, force);
        return Response.noContent().build();
    }
}
