package io.galleonfs.node.tls;

import io.galleonfs.node.auth.JoinCredential;
import io.galleonfs.node.auth.LocalDiscovery;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.config.NodeConfig;
import io.galleonfs.node.daemon.NodeIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Turns the API listener (REST and gRPC share it) into HTTPS on the same port, before Quarkus starts: the node's
 * certificate from {@link ClusterCa}, and no plain-HTTP listener at all, so a plain request gets no answer. Also
 * writes or removes the local CA pointer the CLI uses to choose HTTPS and trust the CA. A node that holds the CA key
 * issues its own certificate; one joining with a join token that pins the CA gets it signed by a member
 * ({@link JoinEnrollment}); see {@link #plan}.
 */
public final class ApiTls {
    private ApiTls() {
    }

    public static void configure(NodeConfig cfg, boolean enabled, Optional<JoinCredential> joinToken) throws IOException {
        var configDir = LocalDiscovery.configDir(System.getenv(), System.getProperty("user.home"));
        String host = cfg.ipcAddress().host();
        int port = cfg.ipcAddress().port();
        ClusterCa.TlsFiles files = ClusterCa.of(cfg.storagePath());
        if (!enabled) {
            LocalDiscovery.removeCaIfOurs(configDir, host, port, files.caCert());
            return;
        }
        List<String> hosts = new ArrayList<>(List.of(host, cfg.bindAddress().host(), cfg.advertisedBindAddress().host()));
        cfg.nbdAddress().ifPresent(a -> hosts.add(a.host())); // NBD clients (libnbd, qemu) check the name they connected to
        List<String> names = ClusterCa.namesFor(hosts);
        try {
            switch (plan(cfg, files, names, joinToken)) {
                case ISSUE_OWN -> files = ClusterCa.ensure(cfg.storagePath(), names);
                case KEEP -> {
                }
                case ENROLL -> enroll(cfg, files, names, joinToken.orElseThrow());
            }
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

    /** How this node gets its certificate. */
    enum Plan {
        /** It holds the CA key (founder, or the operator copied ca.crt and ca.key): it issues its own. */
        ISSUE_OWN,
        /** Its certificate (signed at join, or by itself) is fine as it is. */
        KEEP,
        /** It asks a member to sign one, with a join token that pins the cluster CA. */
        ENROLL
    }

    static Plan plan(NodeConfig cfg, ClusterCa.TlsFiles files, List<String> names, Optional<JoinCredential> joinToken) {
        boolean joining = !cfg.peerAddresses().isEmpty() && !Files.exists(cfg.storagePath().resolve("raft").resolve("members"));
        if (Files.isRegularFile(files.caKey())) {
            return Plan.ISSUE_OWN;
        }
        if (Files.isRegularFile(files.caCert()) && ClusterCa.usable(files, names)) {
            return Plan.KEEP;
        }
        boolean pinned = joinToken.flatMap(JoinCredential::caFingerprint).isPresent();
        if (pinned && !cfg.peerAddresses().isEmpty()) {
            return Plan.ENROLL;
        }
        String how = " start it with --join-token <token from 'galleonfs cluster join-token create' on a TLS member> (or copy ca.crt and ca.key"
                + " from a member's <storage>/tls/ into " + files.dir() + "/)";
        if (joinToken.isPresent() && !pinned && (joining || Files.isRegularFile(files.caCert()))) {
            throw new IllegalStateException("--tls: the join token carries no CA fingerprint (a token created with TLS on ends in"
                    + " .<64 hex digits>), so this node cannot check the cluster it joins;" + how);
        }
        if (joining) {
            throw new IllegalStateException("--tls: this node joins a cluster but has no cluster certificate;" + how);
        }
        if (Files.isRegularFile(files.caCert())) {
            throw new IllegalStateException("--tls: this node's certificate under " + files.dir() + " is missing, expired or does not name "
                    + String.join(", ", names) + ", and the node holds no CA key to issue another; start it with --peer-addresses and"
                    + " a --join-token from 'galleonfs cluster join-token create' to get a new one");
        }
        return Plan.ISSUE_OWN; // a node founding a cluster, or a member turning TLS on: it creates the CA
    }

    private static void enroll(NodeConfig cfg, ClusterCa.TlsFiles files, List<String> names, JoinCredential credential)
            throws IOException, GeneralSecurityException {
        Optional<String> known = NodeIdentity.existing(cfg.storagePath());
        String nodeId = known.orElseGet(() -> UUID.randomUUID().toString());
        List<HostPort> apis = new ArrayList<>();
        for (HostPort peer : cfg.peerAddresses()) {
            apis.add(JoinEnrollment.apiAddressOf(peer, cfg.bindAddress(), cfg.ipcAddress()));
        }
        new JoinEnrollment(files, nodeId, names, credential).enroll(apis, Duration.ofSeconds(ENROLL_PATIENCE_SECONDS));
        if (known.isEmpty()) {
            NodeIdentity.write(cfg.storagePath(), nodeId); // the certificate names this id: keep it
        }
    }

    /** How long a joiner keeps asking while no member can sign yet (they may be starting, as in compose). */
    static final long ENROLL_PATIENCE_SECONDS = Long.getLong("galleon.tls.enroll-patience-seconds", 20);
}
