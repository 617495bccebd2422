package io.galleonfs.node.auth;

/**
 * How this node's API is guarded, for the adapters that check callers (the REST filters, the gRPC interceptor, the
 * dashboard's session, the small-body reader). They also answer while the node starts, so both facts have a defined
 * answer before the node is up.
 */
public interface ApiAccess {
    /** Whether a caller needs a token; true until the node has read its configuration (refuse rather than guess). */
    boolean authRequired();

    /** The token checker, or null until the node has started (callers answer "starting": 503 or UNAVAILABLE). */
    Authenticator authenticator();
}
