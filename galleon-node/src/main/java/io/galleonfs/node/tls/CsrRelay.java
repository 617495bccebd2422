package io.galleonfs.node.tls;

import io.galleonfs.node.config.HostPort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * A member that does not hold the cluster CA key passes a joining node's certificate request on to the members that
 * may, so a joiner can enroll through whichever member it lists in {@code --peer-addresses}, not only the founder. The
 * request goes unchanged (the joiner's certificate request and its join secret as bearer token: the signer checks the
 * token itself and audits it) over HTTPS that trusts only this cluster's CA, marked with {@link #RELAYED_HEADER} so it
 * is passed on at most once. The CA key still never leaves the nodes that hold it.
 */
public final class CsrRelay {
    public static final String RELAYED_HEADER = "X-Galleon-Relayed";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(4);

    /** What a signing member answered: 201 with the certificates, or a 4xx that another member would repeat. */
    public record Answer(int status, String contentType, String body) {
    }

    private final String caPin;

    public CsrRelay(ClusterCa.TlsFiles files) throws IOException, GeneralSecurityException {
        this.caPin = CaFingerprint.of(files);
    }

    /**
     * Asks the members at {@code apis} in turn. The first one that signs (201) or refuses the request itself (4xx)
     * gives the answer; a member that is unreachable or cannot sign either (5xx) is skipped, with the reason put in
     * {@code reasons}. Empty when none could sign.
     */
    public Optional<Answer> relay(List<HostPort> apis, String authorization, String requestJson, Map<HostPort, String> reasons) {
        SSLContext ctx;
        try {
            ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new PinnedCaTrust(caPin)}, new SecureRandom());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS: " + e.getMessage(), e);
        }
        try (HttpClient client = HttpClient.newBuilder().sslContext(ctx).connectTimeout(CONNECT_TIMEOUT).build()) {
            for (HostPort api : apis) {
                String host = api.host().contains(":") ? "[" + api.host() + "]" : api.host();
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://" + host + ":" + api.port() + NodeCertificateExchange.PATH))
                        .timeout(REQUEST_TIMEOUT).header("Content-Type", "application/json").header("Accept", "application/json")
                        .header(RELAYED_HEADER, "1").POST(HttpRequest.BodyPublishers.ofString(requestJson));
                if (authorization != null) {
                    request.header("Authorization", authorization);
                }
                try {
                    HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 201 || (r.statusCode() >= 400 && r.statusCode() < 500)) {
                        return Optional.of(new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/json"), r.body()));
                    }
                    reasons.put(api, "HTTP " + r.statusCode());
                } catch (IOException e) {
                    reasons.put(api, "unreachable (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    reasons.put(api, "interrupted");
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
