package io.galleonfs.node.tls;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The wire format of {@code POST /api/v1/cluster/node-certificate}: the joiner sends its PKCS#10 request (PEM) with its
 * join secret as the bearer token; a member holding the CA key answers 201 with the signed certificate and the CA's.
 */
public final class NodeCertificateExchange {
    public static final String PATH = "/api/v1/cluster/node-certificate";

    private NodeCertificateExchange() {
    }

    public record Request(String csr) {
    }

    public record Response(@JsonProperty("node_id") String nodeId, String certificate, @JsonProperty("ca_certificate") String caCertificate) {
    }
}
