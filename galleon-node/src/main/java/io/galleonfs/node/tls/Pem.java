package io.galleonfs.node.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/** PEM files of certificates and PKCS#8 private keys, the format Vert.x, curl and openssl all read. */
final class Pem {
    private Pem() {
    }

    static String certificate(X509Certificate cert) throws GeneralSecurityException {
        return block("CERTIFICATE", cert.getEncoded());
    }

    static String privateKey(PrivateKey key) {
        return block("PRIVATE KEY", key.getEncoded());
    }

    static String certificateRequest(byte[] der) {
        return block("CERTIFICATE REQUEST", der);
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Every certificate of PEM text, in order. */
    static java.util.List<X509Certificate> parseCertificates(String pem) throws GeneralSecurityException {
        return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                .stream().map(X509Certificate.class::cast).toList();
    }

    static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
    }

    /** Every certificate of a PEM file, in file order (a chain: leaf first). */
    static java.util.List<X509Certificate> readCertificates(Path file) throws IOException, GeneralSecurityException {
        return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file))).stream()
                .map(X509Certificate.class::cast).toList();
    }

    static PrivateKey readEcKey(Path file) throws IOException, GeneralSecurityException {
        return parseEcKey(Files.readString(file, StandardCharsets.US_ASCII));
    }

    /** An EC private key from PKCS#8 PEM text. */
    static PrivateKey parseEcKey(String pem) throws GeneralSecurityException {
        String text = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(text)));
        } catch (IllegalArgumentException e) {
            throw new java.security.spec.InvalidKeySpecException("not base64 PKCS#8", e);
        }
    }

    /** Writes atomically with the given mode (the temp file has it from creation, so the content is never wider readable). */
    static void write(Path file, String text, String mode) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
