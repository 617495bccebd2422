package io.galleonfs.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The joiner trusts a member's HTTPS only through the CA fingerprint its join token pins. */
class PinnedCaTrustTest {
    @TempDir
    Path dir;

    private X509Certificate[] chainOf(ClusterCa.TlsFiles f) throws Exception {
        return Pem.readCertificates(f.nodeCert()).toArray(X509Certificate[]::new);
    }

    @Test
    void acceptsAChainWhoseCaHasThePinnedFingerprint() throws Exception {
        ClusterCa.TlsFiles a = ClusterCa.ensure(dir.resolve("a"), List.of("127.0.0.1"));
        X509Certificate ca = Pem.readCertificate(a.caCert());
        PinnedCaTrust trust = new PinnedCaTrust(CaFingerprint.of(ca));
        assertEquals(ca, trust.verify(chainOf(a)));
        trust.checkServerTrusted(chainOf(a), "ECDHE_ECDSA");
        assertEquals(Optional.empty(), trust.mismatch());
    }

    @Test
    void refusesAnotherClusterAndNamesItsFingerprint() throws Exception {
        ClusterCa.TlsFiles a = ClusterCa.ensure(dir.resolve("a"), List.of("127.0.0.1"));
        ClusterCa.TlsFiles other = ClusterCa.ensure(dir.resolve("other"), List.of("127.0.0.1"));
        PinnedCaTrust trust = new PinnedCaTrust(CaFingerprint.of(a));
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(chainOf(other), "ECDHE_ECDSA"));
        assertEquals(Optional.of(CaFingerprint.of(other)), trust.mismatch());
    }

    @Test
    void refusesALeafTheCaDidNotSignEvenWithThePinnedCaInTheChain() throws Exception {
        ClusterCa.TlsFiles a = ClusterCa.ensure(dir.resolve("a"), List.of("127.0.0.1"));
        ClusterCa.TlsFiles other = ClusterCa.ensure(dir.resolve("other"), List.of("127.0.0.1"));
        X509Certificate forged = chainOf(other)[0];
        PinnedCaTrust trust = new PinnedCaTrust(CaFingerprint.of(a));
        CertificateException e = assertThrows(CertificateException.class,
                () -> trust.verify(new X509Certificate[] {forged, Pem.readCertificate(a.caCert())}));
        assertTrue(e.getMessage().contains("not valid under the pinned CA"), e.getMessage());
        assertThrows(CertificateException.class, () -> trust.verify(new X509Certificate[0]));
        // a leaf alone is never taken for the CA, even if its own fingerprint were pinned
        PinnedCaTrust leafPinned = new PinnedCaTrust(CaFingerprint.of(chainOf(a)[0]));
        assertThrows(CertificateException.class, () -> leafPinned.verify(new X509Certificate[] {chainOf(a)[0]}));
        assertTrue(Files.isRegularFile(a.caKey()));
    }

    @Test
    void theFingerprintIsTheSha256OfTheDerLikeOpenssl() throws Exception {
        ClusterCa.TlsFiles a = ClusterCa.ensure(dir.resolve("a"), List.of("127.0.0.1"));
        X509Certificate ca = Pem.readCertificate(a.caCert());
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(ca.getEncoded()));
        assertEquals(expected, CaFingerprint.of(ca));
        assertTrue(CaFingerprint.wellFormed(expected));
    }
}
