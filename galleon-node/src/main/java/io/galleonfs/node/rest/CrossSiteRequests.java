package io.galleonfs.node.rest;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses state-changing requests a browser sends on behalf of another site. A page elsewhere can make a browser POST
 * to the API with a "simple" content type (text/plain) that needs no preflight, which once stopped the daemon; browsers
 * mark such requests with {@code Origin} and {@code Sec-Fetch-Site}, so a mutating request whose origin is not the API's
 * own host is refused. Clients that are not browsers (the CLI, curl) send neither header and are not affected.
 */
final class CrossSiteRequests {
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    private CrossSiteRequests() {
    }

    /** Why the request is refused, or {@code null}. */
    static String problem(String method, String origin, String fetchSite, String host) {
        if (method == null || SAFE.contains(method.toUpperCase(Locale.ROOT))) {
            return null;
        }
        if (fetchSite != null && fetchSite.equalsIgnoreCase("cross-site")) {
            return "cross-site request refused: a page on another site may not change this node";
        }
        if (origin == null) {
            return null;
        }
        String originHost;
        try {
            URI u = URI.create(origin.trim());
            originHost = u.getHost() == null ? null : (u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort());
        } catch (IllegalArgumentException e) {
            originHost = null;
        }
        if (originHost == null || host == null || !stripDefaultPort(originHost).equalsIgnoreCase(stripDefaultPort(host.trim()))) {
            return "cross-origin request refused: Origin " + (originHost == null ? "'null'" : originHost)
                    + " is not this API's host";
        }
        return null;
    }

    private static String stripDefaultPort(String hostPort) {
        return hostPort.endsWith(":80") || hostPort.endsWith(":443") ? hostPort.substring(0, hostPort.lastIndexOf(':')) : hostPort;
    }
}
