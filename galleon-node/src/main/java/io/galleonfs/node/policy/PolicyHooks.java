package io.galleonfs.node.policy;

import io.galleonfs.api.PolicyHook;
import io.galleonfs.node.volume.GalleonException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Validation of a policy's pre/post hooks: a command (argv) or an absolute http(s) URL, never both, with a bounded timeout. */
final class PolicyHooks {
    static final int DEFAULT_TIMEOUT_SECONDS = 60;
    static final int MAX_TIMEOUT_SECONDS = 3600;
    private static final int MAX_ARGS = 64;
    private static final int MAX_ARG = 4096;
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT");

    private PolicyHooks() {
    }

    /** The hook normalised (timeout and method filled in), or null when absent. */
    static PolicyHook validate(String field, PolicyHook h) {
        if (h == null) {
            return null;
        }
        boolean command = h.command() != null && !h.command().isEmpty();
        boolean url = h.url() != null && !h.url().isBlank();
        if (command == url) {
            throw GalleonException.badRequest(field + ": give either command (a list: program and arguments) or url, not "
                    + (command ? "both" : "neither"));
        }
        int timeout = h.timeoutSeconds() == null ? DEFAULT_TIMEOUT_SECONDS : h.timeoutSeconds();
        if (timeout < 1 || timeout > MAX_TIMEOUT_SECONDS) {
            throw GalleonException.badRequest(field + ": timeout_seconds must be between 1 and " + MAX_TIMEOUT_SECONDS + ", got " + timeout);
        }
        if (command) {
            if (h.method() != null) {
                throw GalleonException.badRequest(field + ": method is for url hooks only");
            }
            if (h.command().size() > MAX_ARGS || h.command().stream().anyMatch(a -> a == null || a.isEmpty() || a.length() > MAX_ARG)) {
                throw GalleonException.badRequest(field + ": command needs 1-" + MAX_ARGS + " non-empty arguments of at most " + MAX_ARG
                        + " characters");
            }
            if (!h.command().getFirst().startsWith("/")) {
                // The node's PATH is not the user's: an absolute program is the one that runs.
                throw GalleonException.badRequest(field + ": command's program must be an absolute path, got '" + h.command().getFirst() + "'");
            }
            return new PolicyHook(List.copyOf(h.command()), null, null, timeout);
        }
        String method = h.method() == null ? "POST" : h.method().trim().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw GalleonException.badRequest(field + ": method '" + h.method() + "' is not one of GET, POST, PUT");
        }
        URI uri;
        try {
            uri = new URI(h.url().trim());
        } catch (URISyntaxException e) {
            throw GalleonException.badRequest(field + ": url '" + h.url() + "' is not a valid URL: " + e.getReason());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getHost().isBlank()) {
            throw GalleonException.badRequest(field + ": url '" + h.url() + "' must be an absolute http:// or https:// URL with a host");
        }
        return new PolicyHook(null, uri.toString(), method, timeout);
    }
}
