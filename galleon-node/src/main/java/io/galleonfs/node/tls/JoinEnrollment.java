package io.galleonfs.node.tls;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.galleonfs.node.auth.JoinCredential;
import io.galleonfs.node.config.HostPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.jboss.logging.Logger;

/**
 * A node joining a TLS cluster with only a join token gets its node certificate here, before its JGroups channel
 * (which needs the certificate) exists: it makes a key pair, sends a certificate request to a member's API over HTTPS
 * with the join secret as bearer token, and trusts the answer only if the member's TLS certificate and the returned
 * certificates chain to the CA the token pins. Its key never leaves it. The answer also carries the CA's private key
 * (members since the key travels; see docs/ARCHITECTURE.md "Who signs"), which must belong to the pinned CA, so that
 * this node can sign later joiners' certificates itself. Nothing is written unless every check passed; then
 * {@code ca.crt}, {@code ca.key} (0600, when sent), {@code node.key} (0600) and {@code node.crt} are each written
 * atomically, {@code node.crt} last, so a node with a {@code node.crt} has the others.
 *
 * <p>A member's API address is derived from its cluster address with this node's own offset: API port = peer's cluster
 * port + (this node's API port - its cluster port), same host. The defaults (8080/8090), compose and the ITs all keep
 * that offset on every node.
 */
public final class JoinEnrollment {
    private static final Logger LOG = Logger.getLogger(JoinEnrollment.class);
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** The join cannot go on; the message is one line for the operator. Nothing was written. */
    public static final class Refused extends IllegalStateException {
        public Refused(String message) {
            super(message);
        }
    }

    private final ClusterCa.TlsFiles files;
    private final String nodeId;
    private final List<String> names;
    private final JoinCredential credential;

    public JoinEnrollment(ClusterCa.TlsFiles files, String nodeId, List<String> names, JoinCredential credential) {
        if (credential.caFingerprint().isEmpty()) {
            throw new IllegalArgumentException("a join credential without a CA fingerprint cannot authenticate the cluster");
        }
        this.files = files;
        this.nodeId = nodeId;
        this.names = List.copyOf(names);
        this.credential = credential;
    }

    /** The API address of the member at cluster address {@code peer}, by the rule in the class comment. */
    public static HostPort apiAddressOf(HostPort peer, HostPort ownCluster, HostPort ownApi) {
        int port = peer.port() + ownApi.port() - ownCluster.port();
        if (port < 1 || port > 65535) {
            throw new Refused("cannot derive the API port of " + peer + " (cluster port + " + (ownApi.port() - ownCluster.port()) + ")");
        }
        return new HostPort(peer.host(), port);
    }

    /**
     * Asks the members at {@code apis} in turn until one signs, for up to {@code patience} while they are unreachable or
     * cannot sign (the founder may still be starting). A wrong token, a pin mismatch or a refused request ends it at once.
     */
    public void enroll(List<HostPort> apis, Duration patience) throws IOException, GeneralSecurityException {
        KeyPair key = ecKeyPair();
        String csr = csr(key);
        long deadline = System.nanoTime() + patience.toNanos();
        Map<HostPort, String> reasons = new LinkedHashMap<>();
        while (true) {
            for (HostPort api : apis) {
                try {
                    NodeCertificateExchange.Response signed = ask(api, csr);
                    X509Certificate[] chain = accept(signed, key);
                    Optional<PrivateKey> caKey = acceptCaKey(signed, chain[1]);
                    write(key, chain, caKey);
                    LOG.infof("tls: %s signed this node's certificate for %s with the cluster CA %s%s", api, String.join(", ", names),
                            credential.caFingerprint().orElseThrow(), caKey.isPresent()
                                    ? "; this node now holds the CA key and signs for later joiners itself"
                                    : "; no CA key came with it (a member of an older version): joiners that ask this node are passed on");
                    return;
                } catch (Unavailable e) {
                    reasons.put(api, e.getMessage());
                }
            }
            if (System.nanoTime() > deadline) {
                List<String> lines = new ArrayList<>();
                reasons.forEach((api, why) -> lines.add(api + ": " + why));
                throw new Refused("no member could sign this node's certificate (" + String.join("; ", lines)
                        + "); list a member holding the cluster CA key (the founder or any member that joined with a token)"
                        + " in --peer-addresses");
            }
            try {
                Thread.sleep(1000); // members still starting: ask again shortly
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Refused("interrupted while asking for this node's certificate");
            }
        }
    }

    /** This member cannot sign now (unreachable, starting, holds no CA key); another one may. */
    private static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    private NodeCertificateExchange.Response ask(HostPort api, String csr) throws Unavailable, IOException {
        PinnedCaTrust trust = new PinnedCaTrust(credential.caFingerprint().orElseThrow());
        SSLContext ctx;
        try {
            ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {trust}, new SecureRandom());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS: " + e.getMessage(), e);
        }
        String host = api.host().contains(":") ? "[" + api.host() + "]" : api.host();
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://" + host + ":" + api.port() + NodeCertificateExchange.PATH))
                .timeout(REQUEST_TIMEOUT).header("Authorization", "Bearer " + credential.secret())
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(new NodeCertificateExchange.Request(csr)))).build();
        HttpResponse<String> response;
        try (HttpClient client = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(3)).build()) {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            if (trust.mismatch().isPresent()) {
                throw new Refused("CA fingerprint mismatch: " + api + " presents a cluster CA with SHA-256 " + trust.mismatch().get()
                        + ", but the join token pins " + credential.caFingerprint().orElseThrow() + "; this is not the cluster the token was made for");
            }
            throw new Unavailable("unreachable over HTTPS (" + describe(e) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("interrupted while asking " + api + " for this node's certificate");
        }
        int status = response.statusCode();
        String detail = detail(response.body());
        return switch (status) {
            case 201 -> parse(response.body());
            case 401, 403 -> throw new Refused("the cluster refused the join token: " + detail);
            case 400, 413, 415 -> throw new Refused(api + " refused this node's certificate request: " + detail);
            default -> throw new Unavailable("HTTP " + status + (detail.isEmpty() ? "" : " " + detail));
        };
    }

    private static NodeCertificateExchange.Response parse(String body) throws Unavailable {
        try {
            NodeCertificateExchange.Response r = JSON.readValue(body, NodeCertificateExchange.Response.class);
            if (r.certificate() == null || r.caCertificate() == null) {
                throw new Unavailable("its answer has no certificate");
            }
            return r;
        } catch (IOException e) {
            throw new Unavailable("its answer is not the expected JSON");
        }
    }

    /** The certificate must be for this node's key and id, signed by the pinned CA, and the CA sent must be that one. */
    private X509Certificate[] accept(NodeCertificateExchange.Response r, KeyPair key) throws Unavailable {
        try {
            X509Certificate ca = Pem.parseCertificates(r.caCertificate()).getFirst();
            X509Certificate leaf = Pem.parseCertificates(r.certificate()).getFirst();
            if (!CaFingerprint.of(ca).equals(credential.caFingerprint().orElseThrow())) {
                throw new Refused("CA fingerprint mismatch: the member sent a CA with SHA-256 " + CaFingerprint.of(ca)
                        + ", but the join token pins " + credential.caFingerprint().orElseThrow());
            }
            leaf.verify(ca.getPublicKey());
            leaf.checkValidity();
            if (!leaf.getPublicKey().equals(key.getPublic())) {
                throw new Unavailable("the member returned a certificate for another key");
            }
            if (!leaf.getSubjectX500Principal().getName().equals("CN=" + nodeId)) {
                throw new Unavailable("the member returned a certificate for " + leaf.getSubjectX500Principal().getName());
            }
            return new X509Certificate[] {leaf, ca};
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof Refused refused) {
                throw refused;
            }
            throw new Unavailable("its answer is not a certificate signed by the pinned CA (" + e.getMessage() + ")");
        }
    }

    /**
     * The CA key sent with the certificate, if any: it must be the private key of the pinned CA certificate (a signature
     * made with it verifies under the CA's public key), or nothing is written.
     */
    private static Optional<PrivateKey> acceptCaKey(NodeCertificateExchange.Response r, X509Certificate ca) throws Unavailable {
        if (r.caKey() == null) {
            return Optional.empty();
        }
        try {
            PrivateKey caKey = Pem.parseEcKey(r.caKey());
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(caKey);
            s.update(challenge);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(ca.getPublicKey());
            v.update(challenge);
            if (!v.verify(signature)) {
                throw new Unavailable("the member sent a CA key that does not belong to the pinned CA");
            }
            return Optional.of(caKey);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new Unavailable("the member sent a CA key that is not an EC key of the pinned CA (" + e.getClass().getSimpleName() + ")");
        }
    }

    private void write(KeyPair key, X509Certificate[] chain, Optional<PrivateKey> caKey) throws IOException, GeneralSecurityException {
        if (!Files.isDirectory(files.dir())) {
            Files.createDirectories(files.dir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        Pem.write(files.caCert(), Pem.certificate(chain[1]), "rw-r--r--");
        if (caKey.isPresent()) {
            // before node.crt: a crash in between leaves a node that holds the CA and issues its own certificate at start
            Pem.write(files.caKey(), Pem.privateKey(caKey.get()), "rw-------");
        }
        Pem.write(files.nodeKey(), Pem.privateKey(key.getPrivate()), "rw-------");
        Pem.write(files.nodeCert(), Pem.certificate(chain[0]) + Pem.certificate(chain[1]), "rw-r--r--");
    }

    String csr(KeyPair key) throws GeneralSecurityException, IOException {
        List<GeneralName> sans = new ArrayList<>();
        for (String h : names) {
            sans.add(ClusterCa.isIpLiteral(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
        }
        ExtensionsGenerator ext = new ExtensionsGenerator();
        ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        try {
            var csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + nodeId), key.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
            return Pem.certificateRequest(csr.getEncoded());
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign the certificate request", e);
        }
    }

    static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return g.generateKeyPair();
    }

    private static String detail(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n.path("detail").asText("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String describe(IOException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
