package io.galleonfs.node.rest;

import io.galleonfs.node.auth.JoinAdmission;
import jakarta.inject.Provider;
import io.galleonfs.node.tls.CertificateSigner;
import io.galleonfs.node.tls.ClusterCa;
import io.galleonfs.node.tls.NodeCertificateExchange;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.NodeRecord;
import io.galleonfs.node.tls.CsrRelay;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@code POST /api/v1/cluster/node-certificate}: signs a joining node's certificate request with the cluster CA. The
 * caller has no API token yet, only a join token, so {@link AuthFilter} lets this one path through and the join token
 * (as bearer) is checked here; unlike joining itself, signing always needs one, even in a cluster that never created
 * one, since a certificate of the cluster CA is what lets a peer in. A node holding {@code ca.key} signs and, when the
 * request came over TLS, hands the CA key on with the certificate, so the joiner can sign for later joiners and losing
 * the founder does not close the cluster; a member without the key (one enrolled by an older version) passes the
 * request on to the others once ({@link CsrRelay}), and answers 503 (the joiner asks its next peer) only when none of
 * them could sign. See {@link io.galleonfs.node.tls.JoinEnrollment} for the joiner's side and docs/ARCHITECTURE.md
 * ("Who signs") for why the key travels.
 */
@Path(NodeCertificateExchange.PATH)
public class NodeCertificateResource {
    private static final Logger LOG = Logger.getLogger(NodeCertificateResource.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper RELAY_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Inject
    Provider<io.galleonfs.node.meta.MetadataStore> metadata;

    @Inject
    Provider<io.galleonfs.node.config.NodeConfig> config;

    @Inject
    io.galleonfs.node.daemon.NodeStatus status;

    @Inject
    Caller caller;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response sign(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                         @HeaderParam(CsrRelay.RELAYED_HEADER) String relayed, @Context HttpServerRequest http,
                         NodeCertificateExchange.Request request) {
        String csr = request == null ? null : request.csr();
        caller.joining("join:" + CertificateSigner.subjectNodeId(csr == null ? "" : csr).orElse("-"));
        Optional<String> refusal = JoinAdmission.signingRefusal(metadata.get().state().joinTokens(), authorization,
                System.currentTimeMillis());
        if (refusal.isPresent()) {
            return Response.fromResponse(ProblemMappers.problem(401, "Unauthorized", refusal.get()))
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").build();
        }
        ClusterCa.TlsFiles files = ClusterCa.of(config.get().storagePath());
        CertificateSigner signer = new CertificateSigner(files);
        if (!signer.canSign()) {
            if (relayed != null) {
                return cannotSign("");
            }
            // A signer's answer carries the CA key: pass it on only to a joiner that reached this node over TLS.
            return http != null && http.isSSL() ? relay(files, authorization, request)
                    : cannotSign(" (and passes requests on to members that can only over TLS)");
        }
        try {
            CertificateSigner.Signed signed = signer.sign(csr);
            // The CA key goes only where the join secret came from over TLS: the joiner pinned this CA, so nobody else
            // reads the answer. Over plain HTTP (a node whose API has TLS off) only the certificate is sent.
            boolean withKey = http != null && http.isSSL();
            LOG.infof("tls: signed the node certificate of joining node %s%s", signed.nodeId(),
                    withKey ? " and handed it the cluster CA key" : " (plain HTTP: without the CA key)");
            return Response.status(201).header("Cache-Control", "no-store").type(MediaType.APPLICATION_JSON)
                    .entity(new NodeCertificateExchange.Response(signed.nodeId(), signed.certificatePem(), signed.caCertificatePem(),
                            withKey ? signed.caKeyPem() : null)).build();
        } catch (CertificateSigner.RejectedRequest e) {
            return ProblemMappers.problem(400, "Bad Request", e.getMessage());
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            LOG.error("tls: cannot sign a joining node's certificate with the cluster CA", e);
            return ProblemMappers.problem(500, "Internal Server Error", "cannot sign with the cluster CA: " + e.getMessage());
        }
    }

    /** Passes the request on to the other members (see {@link CsrRelay}): the first that signs or refuses answers. */
    private Response relay(ClusterCa.TlsFiles files, String authorization, NodeCertificateExchange.Request request) {
        List<HostPort> others = new ArrayList<>();
        for (NodeRecord n : metadata.get().state().nodes()) {
            if (!n.id().equals(status.nodeId())) {
                apiAddress(n).ifPresent(others::add);
            }
        }
        Map<HostPort, String> reasons = new LinkedHashMap<>();
        try {
            Optional<CsrRelay.Answer> answer = new CsrRelay(files).relay(others, authorization,
                    RELAY_JSON.writeValueAsString(request), reasons);
            if (answer.isPresent()) {
                LOG.infof("tls: passed a joining node's certificate request on to a member holding the cluster CA key (HTTP %d)", answer.get().status());
                return Response.status(answer.get().status()).header("Cache-Control", "no-store").type(answer.get().contentType())
                        .entity(answer.get().body()).build();
            }
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            LOG.error("tls: cannot pass a joining node's certificate request on", e);
        }
        List<String> lines = new ArrayList<>();
        reasons.forEach((api, why) -> lines.add(api + ": " + why));
        return cannotSign(lines.isEmpty() ? "" : " (no other member could either: " + String.join("; ", lines) + ")");
    }

    private Response cannotSign(String more) {
        return ProblemMappers.problem(503, "Service Unavailable", "node " + status.nodeId()
                + " does not hold the cluster CA key and cannot sign certificates" + more
                + "; a member holding ca.key (the founder or any member that joined with a token) must be up");
    }

    /** A member's API: its recorded API address, with its cluster host when the API listens on every interface. */
    static Optional<HostPort> apiAddress(NodeRecord n) {
        try {
            HostPort api = HostPort.parse("api address", n.ipcAddress());
            if (api.host().equals("0.0.0.0") || api.host().equals("::") || api.host().equals("[::]")) {
                api = new HostPort(HostPort.parse("bind address", n.bindAddress()).host(), api.port());
            }
            return Optional.of(api);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
