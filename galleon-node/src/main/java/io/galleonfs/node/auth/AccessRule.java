package io.galleonfs.node.auth;

import java.util.Locale;

/**
 * The one rule that says which role an API operation needs, from its HTTP method and matched path template (so
 * {@code /api/v1/volumes/{ref}/data}, never the raw path). Reading is for viewers; changing volumes and their data is
 * for operators; what changes the cluster itself or its credentials is for admins.
 */
public final class AccessRule {
    private static final String API = "/api/v1";

    private AccessRule() {
    }

    public static Role required(String method, String pathTemplate) {
        String m = method.toUpperCase(Locale.ROOT);
        String p = pathTemplate.startsWith(API) ? pathTemplate.substring(API.length()) : pathTemplate;
        if (p.equals("/tokens") || p.startsWith("/tokens/")) {
            return Role.ADMIN; // even listing: token names and roles describe who may do what
        }
        if (p.equals("/audit") || p.startsWith("/audit/")) {
            return Role.ADMIN; // the audit log names every tenant's subjects and volumes
        }
        if (p.equals("/keys") || p.startsWith("/keys/")) {
            return Role.ADMIN; // master keys: which keys exist and their rotation are the node owner's business
        }
        if (m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS")) {
            return Role.VIEWER;
        }
        if (p.equals("/backup-targets") || p.startsWith("/backup-targets/") && !p.endsWith("/prune")) {
            return Role.ADMIN; // targets carry credentials and the repository's keys; pruning is a backup action
        }
        if (p.startsWith("/volumes/") && p.endsWith("/qos")) {
            return Role.ADMIN; // a tenant's operator must not lift the limits the cluster's admin set
        }
        if (p.startsWith("/volumes/") && p.endsWith("/qos-policy") || p.equals("/qos-policies") || p.startsWith("/qos-policies/")) {
            return Role.ADMIN; // named QoS policies and who follows them: the admin's limits, like .../qos
        }
        if (p.equals("/storage-classes") || p.startsWith("/storage-classes/") || p.startsWith("/cluster/") || p.startsWith("/daemon/")) {
            return Role.ADMIN;
        }
        return Role.OPERATOR;
    }

    /** gRPC data methods: reads and usage for viewers, everything that writes or creates for operators. */
    public static Role requiredGrpc(String fullMethodName) {
        String method = fullMethodName.substring(fullMethodName.lastIndexOf('/') + 1);
        return method.startsWith("Read") || method.startsWith("Get") ? Role.VIEWER : Role.OPERATOR;
    }
}
