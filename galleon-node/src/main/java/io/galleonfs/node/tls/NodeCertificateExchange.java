package io.galleonfs.node.tls;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The wire format of {@code POST /api/v1/cluster/node-certificate}: the joiner sends its PKCS#10 request (PEM) with its
 * join secret as the bearer token; a member holding the CA key answers 201 with the signed certificate, the CA's, and
 * (over TLS only) the CA's private key, so that every member can sign the next joiner's certificate.
 */
public final class NodeCertificateExchange {
    public static final String PATH = "/api/v1/cluster/node-certificate";

    private NodeCertificateExchange() {
    }

    public record Request(String csr) {
    }

    /** @param caKey the CA's PKCS#8 private key (PEM); null over plain HTTP, and from members of older versions */
    public record Response(@JsonProperty("node_id") String nodeId, String certificate, @JsonProperty("ca_certificate") String caCertificate,
                           @JsonProperty("ca_key") String caKey) {
        @Override
        public String toString() {
            return "Response[" + nodeId + (caKey == null ? "" : ", with the CA key") + "]"; // never the key
        }
    }
}
