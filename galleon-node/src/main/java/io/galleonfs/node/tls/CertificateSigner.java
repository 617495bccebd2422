package io.galleonfs.node.tls;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Signs a joining node's certificate request with the cluster CA. The request proves possession of the key (its
 * signature), names the node by its id (the subject CN, a UUID) and lists the host names and addresses it is reached
 * by (a subjectAltName extension request). Everything else in it is ignored: the certificate is built exactly like a
 * member's own ({@link ClusterCa#issue}), so a joiner cannot ask for a CA certificate or other key usages. Only a node
 * holding {@code ca.key} signs; it hands that key on with the certificate (see {@link Signed#caKeyPem}).
 */
public final class CertificateSigner {
    /** More names than any node has; bounds the certificate a request can make this node sign. */
    static final int MAX_NAMES = 32;
    static final int MAX_PEM_CHARS = 16 * 1024;
    private static final Pattern DNS_NAME = Pattern.compile("(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private final ClusterCa.TlsFiles files;

    /** A request this node will not sign; the message says why, for a 400 answer. */
    public static final class RejectedRequest extends Exception {
        public RejectedRequest(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The signed leaf and the CA certificate that signed it, both PEM, and the CA's key (PKCS#8 PEM) for a joiner that
     * is to sign later joiners itself; the caller decides whether the key may travel (only over TLS).
     */
    public record Signed(String nodeId, String certificatePem, String caCertificatePem, String caKeyPem) {
        @Override
        public String toString() {
            return "Signed[" + nodeId + "]"; // never the key
        }
    }

    public CertificateSigner(ClusterCa.TlsFiles files) {
        this.files = files;
    }

    /**
     * True when this node holds the CA's key and can sign: the founder, every member that joined with a join token
     * over TLS since the key travels with the certificate, or one the operator gave the CA by hand.
     */
    public boolean canSign() {
        return Files.isRegularFile(files.caCert()) && Files.isRegularFile(files.caKey());
    }

    public Signed sign(String csrPem) throws RejectedRequest, IOException, GeneralSecurityException {
        Request r = validate(csrPem);
        X509Certificate ca = Pem.readCertificate(files.caCert());
        PrivateKey caKey = Pem.readEcKey(files.caKey());
        X509Certificate cert = ClusterCa.issue(ca, caKey, r.key(), r.nodeId(), r.names());
        return new Signed(r.nodeId(), Pem.certificate(cert), Pem.certificate(ca), Pem.privateKey(caKey));
    }

    /** What a valid request asks for. */
    record Request(String nodeId, PublicKey key, List<GeneralName> names) {
    }

    static Request validate(String csrPem) throws RejectedRequest {
        PKCS10CertificationRequest csr = parse(csrPem);
        PublicKey key;
        try {
            JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(csr);
            key = jca.getPublicKey();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new RejectedRequest("the certificate request's signature does not match its key");
            }
        } catch (GeneralSecurityException | OperatorCreationException | PKCSException | RuntimeException e) {
            throw new RejectedRequest("the certificate request's key or signature cannot be verified: " + e.getMessage());
        }
        if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
            throw new RejectedRequest("the certificate request's key must be EC P-256, like every node key of the cluster");
        }
        String nodeId = nodeId(csr);
        return new Request(nodeId, key, names(csr));
    }

    /** The node id a request names (for the audit log, before the request is checked), if it names a valid one. */
    public static Optional<String> subjectNodeId(String csrPem) {
        try {
            return Optional.of(nodeId(parse(csrPem)));
        } catch (RejectedRequest e) {
            return Optional.empty();
        }
    }

    private static PKCS10CertificationRequest parse(String csrPem) throws RejectedRequest {
        if (csrPem == null || csrPem.isBlank()) {
            throw new RejectedRequest("csr is required: a PEM PKCS#10 certificate request");
        }
        if (csrPem.length() > MAX_PEM_CHARS) {
            throw new RejectedRequest("csr is larger than " + MAX_PEM_CHARS + " characters");
        }
        try (PEMParser p = new PEMParser(new StringReader(csrPem))) {
            Object o = p.readObject();
            if (o instanceof PKCS10CertificationRequest csr) {
                return csr;
            }
            throw new RejectedRequest("csr is not a PEM certificate request (-----BEGIN CERTIFICATE REQUEST-----)");
        } catch (IOException | RuntimeException e) {
            throw new RejectedRequest("csr is not a valid PEM certificate request: " + e.getMessage());
        }
    }

    private static String nodeId(PKCS10CertificationRequest csr) throws RejectedRequest {
        RDN[] rdns = csr.getSubject().getRDNs();
        if (rdns.length != 1 || rdns[0].isMultiValued() || !rdns[0].getFirst().getType().equals(BCStyle.CN)
                || !(rdns[0].getFirst().getValue() instanceof ASN1String cnValue)) {
            throw new RejectedRequest("the certificate request's subject must be CN=<node id> and nothing else");
        }
        String cn = cnValue.getString();
        try {
            if (!UUID.fromString(cn).toString().equals(cn)) {
                throw new IllegalArgumentException("not canonical");
            }
        } catch (IllegalArgumentException e) {
            throw new RejectedRequest("the certificate request's CN must be the node id (a lower-case UUID), not '" + printable(cn) + "'");
        }
        return cn;
    }

    private static List<GeneralName> names(PKCS10CertificationRequest csr) throws RejectedRequest {
        List<GeneralName> out = new ArrayList<>();
        for (Attribute a : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable v : a.getAttributeValues()) {
                Extensions ext;
                try {
                    ext = Extensions.getInstance(v);
                } catch (RuntimeException e) {
                    throw new RejectedRequest("the certificate request's extension request is malformed");
                }
                GeneralNames sans = GeneralNames.fromExtensions(ext, Extension.subjectAlternativeName);
                if (sans == null) {
                    continue;
                }
                for (GeneralName n : sans.getNames()) {
                    out.add(checked(n));
                }
            }
        }
        if (out.isEmpty()) {
            throw new RejectedRequest("the certificate request names no host: it needs a subjectAltName with the node's address");
        }
        if (out.size() > MAX_NAMES) {
            throw new RejectedRequest("the certificate request names " + out.size() + " hosts; at most " + MAX_NAMES);
        }
        return out;
    }

    private static GeneralName checked(GeneralName n) throws RejectedRequest {
        if (n.getTagNo() == GeneralName.iPAddress) {
            int len = org.bouncycastle.asn1.ASN1OctetString.getInstance(n.getName()).getOctets().length;
            if (len != 4 && len != 16) {
                throw new RejectedRequest("the certificate request has a malformed IP address name");
            }
            return n;
        }
        if (n.getTagNo() == GeneralName.dNSName) {
            String name = ((ASN1String) n.getName()).getString();
            if (!DNS_NAME.matcher(name).matches()) {
                throw new RejectedRequest("the certificate request names '" + printable(name) + "', which is not a host name (no wildcards)");
            }
            return n;
        }
        throw new RejectedRequest("the certificate request may name only host names and IP addresses");
    }

    /** Enough of a caller's string to recognise it, with nothing that could forge a log line or a terminal escape. */
    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
