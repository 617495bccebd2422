package io.galleonfs.cli;

import io.galleonfs.api.GalleonApi;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/** Builds the typed REST client for the daemon named by {@code --daemon-address}. */
final class ApiClients {
    private ApiClients() {
    }

    static GalleonApi api() {
        return api(120);
    }

    /** A client that waits up to {@code readTimeoutSeconds} for an answer (a bench waits for its whole run). */
    static GalleonApi api(long readTimeoutSeconds) {
        java.util.Optional<java.nio.file.Path> ca = trustedCa();
        QuarkusRestClientBuilder builder = QuarkusRestClientBuilder.newBuilder()
                .baseUri(baseUri())
                .connectTimeout(3, TimeUnit.SECONDS)
                .readTimeout(readTimeoutSeconds, TimeUnit.SECONDS);
        Credentials.fromEnvironment().resolve(GalleonCli.token(), GalleonCli.daemonAddress())
                .ifPresent(found -> builder.register(new BearerTokenFilter(found.token())));
        ca.ifPresent(file -> builder.trustStore(TrustedCa.keyStore(file)));
        GalleonApi client = builder.build(GalleonApi.class);
        return CheckedPathParams.wrap(GalleonApi.class, client);
    }

    /**
     * A client for another member of the cluster ({@code host:port} of its API, as {@code cluster peers} lists it), with
     * the credentials and CA used for {@code --daemon-address} (tokens are cluster-wide).
     */
    static GalleonApi apiAt(String address, long readTimeoutSeconds) {
        java.util.Optional<java.nio.file.Path> ca = trustedCa();
        QuarkusRestClientBuilder builder = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create((ca.isPresent() ? "https://" : "http://") + address))
                .connectTimeout(2, TimeUnit.SECONDS)
                .readTimeout(readTimeoutSeconds, TimeUnit.SECONDS);
        Credentials.fromEnvironment().resolve(GalleonCli.token(), GalleonCli.daemonAddress())
                .ifPresent(found -> builder.register(new BearerTokenFilter(found.token())));
        ca.ifPresent(file -> builder.trustStore(TrustedCa.keyStore(file)));
        return CheckedPathParams.wrap(GalleonApi.class, builder.build(GalleonApi.class));
    }

    /**
     * A client for a node the CLI itself started (the legacy {@code --demo-mode} and {@code --test-replication}): plain
     * HTTP on loopback with that node's cluster admin token, whatever {@code --daemon-address} and the config say.
     */
    static GalleonApi forToken(String address, String token, long readTimeoutSeconds) {
        QuarkusRestClientBuilder builder = QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create("http://" + address))
                .connectTimeout(2, TimeUnit.SECONDS)
                .readTimeout(readTimeoutSeconds, TimeUnit.SECONDS)
                .register(new BearerTokenFilter(token));
        return CheckedPathParams.wrap(GalleonApi.class, builder.build(GalleonApi.class));
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
