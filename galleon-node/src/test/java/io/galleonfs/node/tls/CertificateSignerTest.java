package io.galleonfs.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.auth.JoinCredential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The member's side of joining with a token: which certificate requests the cluster CA signs, and what it signs. */
class CertificateSignerTest {
    @TempDir
    Path dir;

    private ClusterCa.TlsFiles founder() throws Exception {
        return ClusterCa.ensure(dir.resolve("founder"), List.of("127.0.0.1"));
    }

    /** A request as a joining node makes it (JoinEnrollment.csr). */
    private static String joinerCsr(String nodeId, KeyPair key, List<String> names) throws Exception {
        var enrollment = new JoinEnrollment(ClusterCa.of(Path.of("unused")), nodeId, names,
                new JoinCredential("gjt_x", Optional.of("0".repeat(64))));
        return enrollment.csr(key);
    }

    private static String csr(String subject, KeyPair key, String signatureAlgorithm, GeneralName... sans) throws Exception {
        var b = new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), key.getPublic());
        if (sans.length > 0) {
            ExtensionsGenerator ext = new ExtensionsGenerator();
            ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
            b.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate());
        }
        return Pem.certificateRequest(b.build(new JcaContentSignerBuilder(signatureAlgorithm).build(key.getPrivate())).getEncoded());
    }

    private static CertificateSigner.RejectedRequest rejected(CertificateSigner signer, String csr) {
        return assertThrows(CertificateSigner.RejectedRequest.class, () -> signer.sign(csr));
    }

    @Test
    void signsANodeCertificateLikeAMembersOwnForTheRequestedIdAndNames() throws Exception {
        ClusterCa.TlsFiles ca = founder();
        CertificateSigner signer = new CertificateSigner(ca);
        assertTrue(signer.canSign());
        String id = UUID.randomUUID().toString();
        KeyPair key = JoinEnrollment.ecKeyPair();
        CertificateSigner.Signed signed = signer.sign(joinerCsr(id, key, List.of("127.0.13.3", "node3.example")));

        assertEquals(id, signed.nodeId());
        X509Certificate leaf = Pem.parseCertificates(signed.certificatePem()).getFirst();
        X509Certificate caCert = Pem.readCertificate(ca.caCert());
        assertEquals(CaFingerprint.of(caCert), CaFingerprint.of(Pem.parseCertificates(signed.caCertificatePem()).getFirst()));
        leaf.verify(caCert.getPublicKey());
        assertEquals(key.getPublic(), leaf.getPublicKey(), "the joiner's key, which never left it");
        assertEquals("CN=" + id, leaf.getSubjectX500Principal().getName());
        assertEquals(-1, leaf.getBasicConstraints(), "not a CA");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), leaf.getExtendedKeyUsage());
        Set<String> sans = leaf.getSubjectAlternativeNames().stream().map(s -> String.valueOf(s.get(1))).collect(Collectors.toSet());
        assertEquals(Set.of("127.0.13.3", "node3.example"), sans);
        Duration life = Duration.between(Instant.now(), leaf.getNotAfter().toInstant());
        assertTrue(life.compareTo(ClusterCa.NODE_LIFETIME.minusDays(1)) > 0 && life.compareTo(ClusterCa.NODE_LIFETIME) <= 0, life::toString);
        assertTrue(ClusterCa.signedBy(leaf, caCert));
    }

    @Test
    void aNodeWithoutTheCaKeyCannotSign() throws Exception {
        ClusterCa.TlsFiles ca = founder();
        Files.delete(ca.caKey());
        assertFalse(new CertificateSigner(ca).canSign());
    }

    @Test
    void refusesWhatIsNotAWellFormedSignedRequest() throws Exception {
        CertificateSigner signer = new CertificateSigner(founder());
        assertTrue(rejected(signer, null).getMessage().contains("csr is required"));
        assertTrue(rejected(signer, "hello").getMessage().startsWith("csr is not"));
        assertTrue(rejected(signer, Files.readString(founder().caCert())).getMessage().startsWith("csr is not a PEM certificate request"));
        assertTrue(rejected(signer, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n").getMessage()
                .startsWith("csr is not"));
        assertTrue(rejected(signer, "x".repeat(CertificateSigner.MAX_PEM_CHARS + 1)).getMessage().contains("larger than"));

        // a valid request with one bit of its signature flipped
        String good = joinerCsr(UUID.randomUUID().toString(), JoinEnrollment.ecKeyPair(), List.of("127.0.0.9"));
        byte[] der = java.util.Base64.getMimeDecoder().decode(good.replaceAll("-----[A-Z ]+-----", ""));
        der[der.length - 3] ^= 0x01;
        assertTrue(rejected(signer, Pem.certificateRequest(der)).getMessage().contains("signature"));
    }

    @Test
    void refusesAWrongSubjectOrKindOfKey() throws Exception {
        CertificateSigner signer = new CertificateSigner(founder());
        KeyPair ec = JoinEnrollment.ecKeyPair();
        GeneralName ip = new GeneralName(GeneralName.iPAddress, "127.0.0.9");
        assertTrue(rejected(signer, csr("CN=node-3", ec, "SHA256withECDSA", ip)).getMessage().contains("CN must be the node id"));
        assertTrue(rejected(signer, csr("CN=" + UUID.randomUUID().toString().toUpperCase(), ec, "SHA256withECDSA", ip)).getMessage()
                .contains("CN must be the node id"));
        assertTrue(rejected(signer, csr("CN=" + UUID.randomUUID() + ",O=evil", ec, "SHA256withECDSA", ip)).getMessage()
                .contains("subject must be CN=<node id>"));
        assertTrue(rejected(signer, csr("O=evil", ec, "SHA256withECDSA", ip)).getMessage().contains("subject must be CN=<node id>"));
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        assertTrue(rejected(signer, csr("CN=" + UUID.randomUUID(), rsa.generateKeyPair(), "SHA256withRSA", ip)).getMessage()
                .contains("EC P-256"));
    }

    @Test
    void refusesRequestsWithoutHostNamesOrWithNamesThatAreNotHosts() throws Exception {
        CertificateSigner signer = new CertificateSigner(founder());
        KeyPair ec = JoinEnrollment.ecKeyPair();
        String subject = "CN=" + UUID.randomUUID();
        assertTrue(rejected(signer, csr(subject, ec, "SHA256withECDSA")).getMessage().contains("names no host"));
        assertTrue(rejected(signer, csr(subject, ec, "SHA256withECDSA", new GeneralName(GeneralName.dNSName, "*.example.com")))
                .getMessage().contains("no wildcards"));
        assertTrue(rejected(signer, csr(subject, ec, "SHA256withECDSA", new GeneralName(GeneralName.rfc822Name, "a@b.c")))
                .getMessage().contains("only host names and IP addresses"));
        GeneralName[] many = new GeneralName[CertificateSigner.MAX_NAMES + 1];
        for (int i = 0; i < many.length; i++) {
            many[i] = new GeneralName(GeneralName.dNSName, "n" + i + ".example");
        }
        assertTrue(rejected(signer, csr(subject, ec, "SHA256withECDSA", many)).getMessage().contains("at most"));
    }

    @Test
    void theSubjectNodeIdIsReadForTheAuditLogOnlyWhenWellFormed() throws Exception {
        String id = UUID.randomUUID().toString();
        assertEquals(Optional.of(id), CertificateSigner.subjectNodeId(joinerCsr(id, JoinEnrollment.ecKeyPair(), List.of("h1"))));
        assertEquals(Optional.empty(), CertificateSigner.subjectNodeId("garbage"));
        assertEquals(Optional.empty(), CertificateSigner.subjectNodeId(csr("CN=\u001b[31mx", JoinEnrollment.ecKeyPair(), "SHA256withECDSA")));
    }
}
