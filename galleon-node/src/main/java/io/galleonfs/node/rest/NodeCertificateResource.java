package io.galleonfs.node.rest;

import io.galleonfs.node.auth.JoinAdmission;
import io.galleonfs.node.daemon.NodeRuntime;
import io.galleonfs.node.tls.CertificateSigner;
import io.galleonfs.node.tls.ClusterCa;
import io.galleonfs.node.tls.NodeCertificateExchange;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/cluster/node-certificate}: signs a joining node's certificate request with the cluster CA. The
 * caller has no API token yet, only a join token, so {@link AuthFilter} lets this one path through and the join token
 * (as bearer) is checked here; unlike joining itself, signing always needs one, even in a cluster that never created
 * one, since a certificate of the cluster CA is what lets a peer in. Only a node holding {@code ca.key} signs (503
 * elsewhere, so the joiner asks the next peer). See {@link io.galleonfs.node.tls.JoinEnrollment} for the joiner's side.
 */
@Path(NodeCertificateExchange.PATH)
public class NodeCertificateResource {
    private static final Logger LOG = Logger.getLogger(NodeCertificateResource.class);

    @Inject
    NodeRuntime node;

    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response sign(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, NodeCertificateExchange.Request request) {
        String csr = request == null ? null : request.csr();
        caller.joining("join:" + CertificateSigner.subjectNodeId(csr == null ? "" : csr).orElse("-"));
        Optional<String> refusal = JoinAdmission.signingRefusal(node.metadata().state().joinTokens(), authorization,
                System.currentTimeMillis());
        if (refusal.isPresent()) {
            return Response.fromResponse(ProblemMappers.problem(401, "Unauthorized", refusal.get()))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
        }
        CertificateSigner signer = new CertificateSigner(ClusterCa.of(node.config().storagePath()));
        if (!signer.canSign()) {
            return ProblemMappers.problem(503, "Service Unavailable", "node " + node.nodeId()
                    + " does not hold the cluster CA key and cannot sign certificates; ask the founder (or a node holding ca.key)");
        }
        try {
            CertificateSigner.Signed signed = signer.sign(csr);
            LOG.infof("tls: signed the node certificate of joining node %s", signed.nodeId());
            return Response.status(201).header("Cache-Control", "no-store").type(MediaType.APPLICATION_JSON)
                    .entity(new NodeCertificateExchange.Response(signed.nodeId(), signed.certificatePem(), signed.caCertificatePem())).build();
        } catch (CertificateSigner.RejectedRequest e) {
            return ProblemMappers.problem(400, "Bad Request", e.getMessage());
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            LOG.error("tls: cannot sign a joining node's certificate with the cluster CA", e);
            return ProblemMappers.problem(500, "Internal Server Error", "cannot sign with the cluster CA: " + e.getMessage());
        }
    }
}
