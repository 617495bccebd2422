package io.galleonfs.cli;

import io.galleonfs.api.GalleonApi;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/** Builds the typed REST client for the daemon named by {@code --daemon-address}. */
final class ApiClients {
    private ApiClients() {
    }

    static GalleonApi api() {
        return api(120);
    }

    /** A client that waits up to {@code readTimeoutSeconds} for an answer (a bench waits for its whole run). */
    static GalleonApi api(long readTimeoutSeconds) {
        StartupTrace.mark("client");
        URI base = baseUri();
        StartupTrace.mark("address resolved");
        Optional<String> token = token();
        StartupTrace.mark("token resolved");
        GalleonApi client = RestProxy.create(GalleonApi.class, base, Duration.ofSeconds(3),
                Duration.ofSeconds(readTimeoutSeconds), token, trustedCa().map(TrustedCa::sslContext));
        StartupTrace.mark("client created");
        return CheckedPathParams.wrap(GalleonApi.class, client);
    }

    /**
     * A client for another member of the cluster ({@code host:port} of its API, as {@code cluster peers} lists it), with
     * the credentials and CA used for {@code --daemon-address} (tokens are cluster-wide).
     */
    static GalleonApi apiAt(String address, long readTimeoutSeconds) {
        Optional<SSLContext> tls = trustedCa().map(TrustedCa::sslContext);
        GalleonApi client = RestProxy.create(GalleonApi.class, URI.create((tls.isPresent() ? "https://" : "http://") + address),
                Duration.ofSeconds(2), Duration.ofSeconds(readTimeoutSeconds), token(), tls);
        return CheckedPathParams.wrap(GalleonApi.class, client);
    }

    /**
     * A client for a node the CLI itself started (the legacy {@code --demo-mode} and {@code --test-replication}): plain
     * HTTP on loopback with that node's cluster admin token, whatever {@code --daemon-address} and the config say.
     */
    static GalleonApi forToken(String address, String token, long readTimeoutSeconds) {
        GalleonApi client = RestProxy.create(GalleonApi.class, URI.create("http://" + address), Duration.ofSeconds(2),
                Duration.ofSeconds(readTimeoutSeconds), Optional.of(token), Optional.empty());
        return CheckedPathParams.wrap(GalleonApi.class, client);
    }

    static Optional<String> token() {
        return Credentials.fromEnvironment().resolve(GalleonCli.token(), GalleonCli.daemonAddress()).map(found -> found.token());
    }

    static URI baseUri() {
        String addr = GalleonCli.daemonAddress();
        if (addr.startsWith("http://") || addr.startsWith("https://")) {
            return URI.create(addr);
        }
        return URI.create((trustedCa().isPresent() ? "https://" : "http://") + addr);
    }

    /** The CA to verify the daemon with; present means the daemon is reached over HTTPS. */
    static java.util.Optional<java.nio.file.Path> trustedCa() {
        return TrustedCa.fromEnvironment().resolve(GalleonCli.caCert(), GalleonCli.daemonAddress());
    }
}
