package io.galleonfs.cli;

import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster CA the CLI trusts, which also decides HTTP or HTTPS for an address without a scheme. First match wins:
 * {@code --ca-cert FILE}; {@code $GALLEONFS_CA_CERT}; the current context's {@code ca_cert} in config.toml; the local
 * pointer {@code <config dir>/local/<host>_<port>.ca} a daemon on this host serving HTTPS wrote. No CA: plain HTTP.
 * There is deliberately no way to skip verification.
 */
record TrustedCa(Map<String, String> env, Path configDir) {

    static TrustedCa fromEnvironment() {
        Credentials c = Credentials.fromEnvironment();
        return new TrustedCa(c.env(), c.configDir());
    }

    Optional<Path> resolve(String explicit, String daemonAddress) {
        if (explicit != null && !explicit.isBlank()) {
            return Optional.of(Path.of(explicit));
        }
        String env = this.env.get("GALLEONFS_CA_CERT");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env.strip()));
        }
        Optional<Path> fromContext = fromContext();
        if (fromContext.isPresent()) {
            return fromContext;
        }
        return discovered(daemonAddress);
    }

    private Optional<Path> fromContext() {
        Path file = configDir.resolve("config.toml");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            var root = new TomlMapper().readTree(file.toFile());
            String name = root.path("current_context").asText("");
            String ca = name.isBlank() ? "" : root.path("contexts").path(name).path("ca_cert").asText("");
            return ca.isBlank() ? Optional.empty() : Optional.of(Path.of(ca));
        } catch (IOException e) {
            return Optional.empty(); // Credentials reports a malformed file with one line
        }
    }

    private Optional<Path> discovered(String daemonAddress) {
        String a = daemonAddress.replaceFirst("^https?://", "").replaceFirst("/$", "");
        int colon = a.lastIndexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        String host = a.substring(0, colon);
        String port = a.substring(colon + 1);
        for (String h : host.equals("localhost") ? new String[] {"localhost", "127.0.0.1"} : new String[] {host}) {
            Path pointer = configDir.resolve("local").resolve(h + "_" + port + ".ca");
            try {
                if (Files.isReadable(pointer)) {
                    Path ca = Path.of(Files.readString(pointer).strip());
                    if (ca.isAbsolute() && Files.isReadable(ca)) {
                        return Optional.of(ca);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // a stale pointer is the same as none
            }
        }
        return Optional.empty();
    }

    /** A trust store holding only the CA certificate(s) in {@code file}. */
    /** Trusts exactly the certificates in {@code file} (the cluster CA), nothing from the JDK's default store. */
    static javax.net.ssl.SSLContext sslContext(Path file) {
        try {
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(keyStore(file));
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new ErrorHandler.CliException("cannot use the CA file " + file + ": " + e.getMessage());
        }
    }

    static KeyStore keyStore(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new ErrorHandler.CliException("the CA file " + file + " holds no certificate");
            }
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                ks.setCertificateEntry("galleonfs-ca-" + i++, c);
            }
            return ks;
        } catch (IOException e) {
            throw new ErrorHandler.CliException("cannot read the CA file " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new ErrorHandler.CliException("the CA file " + file + " is not a PEM certificate: " + e.getMessage());
        }
    }
}
