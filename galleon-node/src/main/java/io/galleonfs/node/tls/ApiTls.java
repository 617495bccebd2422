package io.galleonfs.node.tls;

import io.galleonfs.node.auth.LocalDiscovery;
import io.galleonfs.node.config.NodeConfig;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.List;

/**
 * Turns the API listener (REST and gRPC share it) into HTTPS on the same port, before Quarkus starts: the node's
 * certificate from {@link ClusterCa}, and no plain-HTTP listener at all, so a plain request gets no answer. Also
 * writes or removes the local CA pointer the CLI uses to choose HTTPS and trust the CA.
 */
public final class ApiTls {
    private ApiTls() {
    }

    public static void configure(NodeConfig cfg, boolean enabled) throws IOException {
        var configDir = LocalDiscovery.configDir(System.getenv(), System.getProperty("user.home"));
        String host = cfg.ipcAddress().host();
        int port = cfg.ipcAddress().port();
        ClusterCa.TlsFiles files = ClusterCa.of(cfg.storagePath());
        if (!enabled) {
            LocalDiscovery.removeCaIfOurs(configDir, host, port, files.caCert());
            return;
        }
        joinerNeedsTheClusterCa(cfg, files);
        try {
            List<String> hosts = new java.util.ArrayList<>(List.of(host, cfg.bindAddress().host()));
            cfg.nbdAddress().ifPresent(a -> hosts.add(a.host())); // NBD clients (libnbd, qemu) check the name they connected to
            files = ClusterCa.ensure(cfg.storagePath(), ClusterCa.namesFor(hosts));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create the TLS certificates under " + files.dir() + ": " + e.getMessage(), e);
        }
        System.setProperty("quarkus.http.ssl-port", Integer.toString(port));
        System.setProperty("quarkus.http.insecure-requests", "disabled");
        System.setProperty("quarkus.http.ssl.certificate.files", files.nodeCert().toString());
        System.setProperty("quarkus.http.ssl.certificate.key-files", files.nodeKey().toString());
        System.setProperty(NodeConfig.PROPERTY_PREFIX + "tls_enabled", "true");
        LocalDiscovery.writeCa(configDir, host, port, files.caCert());
    }

    /**
     * A node joining with TLS must carry the cluster's CA: one it made itself would be refused by every member. The
     * operator copies {@code ca.crt} and {@code ca.key} from a member (see README, "TLS between nodes").
     */
    static void joinerNeedsTheClusterCa(NodeConfig cfg, ClusterCa.TlsFiles files) {
        boolean joining = !cfg.peerAddresses().isEmpty() && !java.nio.file.Files.exists(cfg.storagePath().resolve("raft").resolve("members"));
        if (joining && (!java.nio.file.Files.isRegularFile(files.caCert()) || !java.nio.file.Files.isRegularFile(files.caKey()))) {
            throw new IllegalStateException("--tls: this node joins a cluster but has no cluster CA; copy ca.crt and ca.key from a member's"
                    + " <storage>/tls/ into " + files.dir() + "/ first");
        }
    }
}
