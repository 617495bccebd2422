package io.galleonfs.node.tls;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The SHA-256 of a CA certificate's DER encoding, in lower-case hex (what {@code openssl x509 -noout -fingerprint
 * -sha256} prints, without the colons). A joining node pins the cluster CA by it: the join token carries it.
 */
public final class CaFingerprint {
    private static final Pattern SHAPE = Pattern.compile("[0-9a-f]{64}");

    private CaFingerprint() {
    }

    public static String of(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode the CA certificate: " + e.getMessage(), e);
        }
    }

    /** The fingerprint of this node's {@code ca.crt}. */
    public static String of(ClusterCa.TlsFiles files) throws java.io.IOException, GeneralSecurityException {
        return of(Pem.readCertificate(files.caCert()));
    }

    public static boolean wellFormed(String hex) {
        return hex != null && SHAPE.matcher(hex).matches();
    }
}
