package io.galleonfs.node.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jboss.logging.Logger;

/**
 * The cluster CA and this node's certificate under {@code <storage>/tls/}: {@code ca.crt} (0644), {@code ca.key} (0600),
 * {@code node.crt} (0644, the node's certificate followed by the CA's) and {@code node.key} (0600). Keys are EC P-256,
 * signatures SHA256withECDSA. Created once; the node certificate is issued again when the node's addresses are no
 * longer all among its names (a node moved to another address keeps its CA).
 */
public final class ClusterCa {
    private static final Logger LOG = Logger.getLogger(ClusterCa.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    static final Duration CA_LIFETIME = Duration.ofDays(3650);
    static final Duration NODE_LIFETIME = Duration.ofDays(825);

    /** Where the files are; {@code nodeCert} holds the chain a server presents. */
    public record TlsFiles(Path dir, Path caCert, Path caKey, Path nodeCert, Path nodeKey) {
    }

    private ClusterCa() {
    }

    public static TlsFiles of(Path storage) {
        Path dir = storage.resolve("tls");
        return new TlsFiles(dir, dir.resolve("ca.crt"), dir.resolve("ca.key"), dir.resolve("node.crt"), dir.resolve("node.key"));
    }

    /**
     * Makes sure a CA and a node certificate naming every host in {@code hosts} (IP literals as IP SANs, the rest as DNS
     * names) exist, creating what is missing.
     */
    public static TlsFiles ensure(Path storage, Collection<String> hosts) throws IOException, GeneralSecurityException {
        TlsFiles f = of(storage);
        if (!Files.isDirectory(f.dir())) {
            Files.createDirectories(f.dir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        }
        if (!Files.isRegularFile(f.caCert())) {
            createCa(f);
        } else if (!Files.isRegularFile(f.caKey())) {
            // A node enrolled by a member of an older version (or over plain HTTP) has the CA's certificate only; making a
            // new CA would cut it off.
            throw new IllegalStateException(f.caCert() + " exists without ca.key: this node cannot issue certificates");
        }
        Set<String> names = new LinkedHashSet<>(hosts);
        if (!Files.isRegularFile(f.nodeCert()) || !Files.isRegularFile(f.nodeKey()) || !covers(Pem.readCertificate(f.nodeCert()), names)
                || !signedBy(Pem.readCertificate(f.nodeCert()), Pem.readCertificate(f.caCert()))) {
            issueNode(f, names);
        }
        return f;
    }

    private static void createCa(TlsFiles f) throws IOException, GeneralSecurityException {
        KeyPair kp = ecKeyPair();
        X500Name name = new X500Name("CN=GalleonFS cluster CA " + new BigInteger(64, RANDOM).toString(16));
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(CA_LIFETIME)), name, kp.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            X509Certificate cert = sign(b, kp.getPrivate());
            // Key first: a CA certificate without its key would be unusable, a key without its certificate is recreated.
            Pem.write(f.caKey(), Pem.privateKey(kp.getPrivate()), "rw-------");
            Pem.write(f.caCert(), Pem.certificate(cert), "rw-r--r--");
            Files.deleteIfExists(f.nodeCert()); // issued by another CA
            LOG.infof("created the cluster CA %s (%s)", name, f.caCert());
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign the CA certificate", e);
        }
    }

    private static void issueNode(TlsFiles f, Set<String> hosts) throws IOException, GeneralSecurityException {
        X509Certificate ca = Pem.readCertificate(f.caCert());
        PrivateKey caKey = Pem.readEcKey(f.caKey());
        KeyPair kp = ecKeyPair();
        List<GeneralName> sans = new ArrayList<>();
        for (String h : hosts) {
            sans.add(isIpLiteral(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
        }
        String cn = hosts.isEmpty() ? "galleonfs-node" : hosts.iterator().next();
        X509Certificate cert = issue(ca, caKey, kp.getPublic(), cn, sans);
        Pem.write(f.nodeKey(), Pem.privateKey(kp.getPrivate()), "rw-------");
        Pem.write(f.nodeCert(), Pem.certificate(cert) + Pem.certificate(ca), "rw-r--r--");
        LOG.infof("issued this node's certificate for %s (%s)", String.join(", ", hosts), f.nodeCert());
    }

    /**
     * A node certificate for {@code subjectKey}: client and server use (the same certificate serves JGroups, the data
     * plane and the API), {@code sans} as its names, {@link #NODE_LIFETIME}. Used for this node's own certificate and
     * for the ones {@link CertificateSigner} issues to joining nodes, so both kinds are alike.
     */
    static X509Certificate issue(X509Certificate ca, PrivateKey caKey, java.security.PublicKey subjectKey, String cn, List<GeneralName> sans)
            throws GeneralSecurityException {
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(NODE_LIFETIME)), new X500Name(new org.bouncycastle.asn1.x500.RDN[] {
                            new org.bouncycastle.asn1.x500.RDN(org.bouncycastle.asn1.x500.style.BCStyle.CN,
                                    new org.bouncycastle.asn1.DERUTF8String(cn))}), subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
            return sign(b, caKey);
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException("cannot sign the node certificate", e);
        }
    }

    /**
     * Whether this node's certificate can be used as it is: present with its key, signed by {@code ca.crt}, naming every
     * host and not near its end. A node that joined with a join token holds no CA key, so it cannot renew its own.
     */
    public static boolean usable(TlsFiles f, Collection<String> hosts) {
        try {
            if (!Files.isRegularFile(f.caCert()) || !Files.isRegularFile(f.nodeCert()) || !Files.isRegularFile(f.nodeKey())) {
                return false;
            }
            X509Certificate node = Pem.readCertificate(f.nodeCert());
            return covers(node, new LinkedHashSet<>(hosts)) && signedBy(node, Pem.readCertificate(f.caCert()));
        } catch (IOException | GeneralSecurityException e) {
            return false;
        }
    }

    /** The names this node is reached by: the API and bind hosts, and this machine's host name. */
    public static List<String> namesFor(Collection<String> addressHosts) {
        Set<String> names = new LinkedHashSet<>(addressHosts);
        try {
            names.add(InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            LOG.debugf("no host name for the node certificate: %s", e.getMessage());
        }
        if (names.contains("0.0.0.0") || names.contains("127.0.0.1")) {
            names.add("localhost");
        }
        names.remove("0.0.0.0"); // the wildcard address is not a name anyone connects to
        return List.copyOf(names);
    }

    static boolean covers(X509Certificate cert, Set<String> hosts) throws GeneralSecurityException {
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        Set<String> have = new LinkedHashSet<>();
        if (sans != null) {
            sans.forEach(s -> have.add(String.valueOf(s.get(1))));
        }
        return have.containsAll(hosts) && cert.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(30)));
    }

    /** False for a node certificate left over from another CA (the operator copied the cluster's CA in since). */
    static boolean signedBy(X509Certificate cert, X509Certificate ca) {
        try {
            cert.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static boolean isIpLiteral(String h) {
        return h.matches("\\d{1,3}(\\.\\d{1,3}){3}") || h.contains(":");
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
