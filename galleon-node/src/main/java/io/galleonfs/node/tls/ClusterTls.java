package io.galleonfs.node.tls;

import io.galleonfs.node.config.HostPort;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.jgroups.util.TLS;
import org.jgroups.util.TLSClientAuth;

/**
 * Mutual TLS between nodes (JGroups and the data plane) with the cluster CA under {@code <storage>/tls}: every node
 * presents its {@code node.crt} chain and accepts only peers whose certificate the cluster CA signed. Identity is
 * membership of the CA, not a host name: peers are reached by addresses that change (advertised, 0.0.0.0 binds), so
 * host names are not verified. TLS 1.3 only: every node runs the same JDK, and 1.3 has no weak suites to configure.
 */
public final class ClusterTls {
    static final String PROTOCOL = "TLSv1.3";
    private static final char[] IN_MEMORY = new char[0];

    private final ClusterCa.TlsFiles files;
    private final SSLContext context;

    private ClusterTls(ClusterCa.TlsFiles files, SSLContext context) {
        this.files = files;
        this.context = context;
    }

    /** Loads the CA and node certificate {@link ClusterCa#ensure} wrote; a missing or unreadable file is a clear error. */
    public static ClusterTls load(ClusterCa.TlsFiles files) {
        for (var f : List.of(files.caCert(), files.nodeCert(), files.nodeKey())) {
            if (!Files.isRegularFile(f)) {
                throw new IllegalStateException("cluster TLS: " + f + " is missing (it is created when the node starts with --tls)");
            }
        }
        try {
            return new ClusterTls(files, sslContext(files));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cluster TLS: cannot load the certificates under " + files.dir() + ": " + e.getMessage(), e);
        }
    }

    static SSLContext sslContext(ClusterCa.TlsFiles f) throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = Pem.readCertificates(f.nodeCert());
        PrivateKey key = Pem.readEcKey(f.nodeKey());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("node", key, IN_MEMORY, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, IN_MEMORY);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("cluster-ca", Pem.readCertificate(f.caCert()));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance(PROTOCOL);
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    public ClusterCa.TlsFiles files() {
        return files;
    }

    /** JGroups' TCP transport: client and server sockets are TLS, the server needs the client's certificate. */
    public org.jgroups.util.SocketFactory jgroupsSocketFactory() {
        return new TLS().setProtocols(new String[] {PROTOCOL}).setClientAuth(TLSClientAuth.NEED).createSocketFactory(context);
    }

    /** The data-plane listener: TLS with a required client certificate from the cluster CA. */
    public NetServerOptions serverOptions(NetServerOptions base) {
        return base.setSsl(true).setKeyCertOptions(keyCert()).setTrustOptions(trust()).setClientAuth(ClientAuth.REQUIRED)
                .setEnabledSecureTransportProtocols(java.util.Set.of(PROTOCOL));
    }

    /**
     * The NBD listener: plain TCP that {@code NBD_OPT_STARTTLS} upgrades to TLS with this node's certificate. NBD clients
     * are not nodes: TLS 1.2 is allowed too (older gnutls/qemu clients), and a client certificate is optional, but one
     * that is presented must chain to the cluster CA (a client trusting another CA, or presenting another CA's
     * certificate, fails the handshake).
     */
    public NetServerOptions nbdServerOptions(NetServerOptions base) {
        return base.setSsl(false).setKeyCertOptions(keyCert()).setTrustOptions(trust()).setClientAuth(ClientAuth.REQUEST)
                .setEnabledSecureTransportProtocols(java.util.Set.of("TLSv1.2", PROTOCOL));
    }

    /** The data-plane client: presents this node's certificate and trusts only the cluster CA. */
    public NetClientOptions clientOptions(NetClientOptions base) {
        return base.setSsl(true).setKeyCertOptions(keyCert()).setTrustOptions(trust()).setHostnameVerificationAlgorithm("")
                .setEnabledSecureTransportProtocols(java.util.Set.of(PROTOCOL));
    }

    private PemKeyCertOptions keyCert() {
        return new PemKeyCertOptions().setKeyPath(files.nodeKey().toString()).setCertPath(files.nodeCert().toString());
    }

    private PemTrustOptions trust() {
        return new PemTrustOptions().addCertPath(files.caCert().toString());
    }

    /**
     * Opens a TLS connection to a peer's cluster port and says why the peer and this node do not accept each other's
     * certificates, if they do not; empty when they do or when the answer is unknown (peer unreachable, not yet
     * listening). Lets a joining node with the wrong CA stop with one line instead of retrying until its join times out.
     */
    public Optional<String> refusalBy(HostPort peer, int timeoutMillis) {
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress(peer.host(), peer.port()), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            try {
                s.startHandshake();
            } catch (SSLException e) {
                return Optional.of("the certificate of " + peer + " is not signed by this node's cluster CA (" + e.getMessage() + ")");
            }
            try {
                // TLS 1.3: the server checks the client's certificate after the client's side of the handshake is done,
                // so its verdict arrives as an alert on the first read. A server that accepted us just waits.
                s.getInputStream().read();
            } catch (SocketTimeoutException accepted) {
                return Optional.empty();
            } catch (SSLException e) {
                return Optional.of(peer + " does not accept this node's certificate: it is not signed by the cluster's CA ("
                        + e.getMessage() + ")");
            }
            return Optional.empty();
        } catch (IOException unreachable) {
            return Optional.empty();
        }
    }
}
