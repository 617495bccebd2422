package io.galleonfs.node.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a server only if the chain it presents contains the CA with the pinned SHA-256 fingerprint and its leaf is
 * signed by that CA and valid now. The joiner has no CA certificate yet: the pin (from the join token) is all it
 * trusts. Host names are not checked, as between members ({@link ClusterTls}): the identity is membership of the CA.
 * Extends {@link X509ExtendedTrustManager} so the JDK does not add its own host name check around it.
 */
final class PinnedCaTrust extends X509ExtendedTrustManager {
    private final String pin;
    private volatile String mismatch;

    PinnedCaTrust(String pin) {
        this.pin = pin;
    }

    /** When the last refused server presented another CA: that CA's fingerprint(s), for the refusal line. */
    Optional<String> mismatch() {
        return Optional.ofNullable(mismatch);
    }

    /** The pinned CA in {@code chain}, after checking the leaf against it. */
    X509Certificate verify(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the server presented no certificate");
        }
        X509Certificate ca = null;
        StringBuilder seen = new StringBuilder();
        for (X509Certificate c : chain) {
            String fp = CaFingerprint.of(c);
            if (c.getBasicConstraints() >= 0) {
                seen.append(seen.isEmpty() ? "" : ", ").append(fp);
            }
            if (fp.equals(pin) && c.getBasicConstraints() >= 0) {
                ca = c;
            }
        }
        if (ca == null) {
            mismatch = seen.isEmpty() ? "no CA certificate" : seen.toString();
            throw new CertificateException("the server's CA is not the pinned one");
        }
        try {
            ca.checkValidity();
            chain[0].checkValidity();
            chain[0].verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the server's certificate is not valid under the pinned CA: " + e.getMessage(), e);
        }
        return ca;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        verify(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a joining node accepts no clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a joining node accepts no clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a joining node accepts no clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
