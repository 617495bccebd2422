package io.galleonfs.node.daemon;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The seed's daemon flags. Only flags actually given are returned, so they override the TOML file and defaults. */
@Command(name = "galleonfs", description = "GalleonFS node daemon", mixinStandardHelpOptions = true, version = "galleonfs 0.1.0")
public final class DaemonFlags {
    @Option(names = {"-d", "--daemon"}, description = "Run in daemon mode")
    boolean daemon;

    @Option(names = "--storage-path", paramLabel = "PATH", description = "Storage directory path (default ./galleonfs_storage)")
    String storagePath;

    @Option(names = "--block-size", paramLabel = "BYTES", description = "Block size, a power of two 512..1048576 (default 4096)")
    String blockSize;

    @Option(names = "--bind-address", paramLabel = "HOST:PORT", description = "Storage/cluster service address (default 127.0.0.1:8080)")
    String bindAddress;

    @Option(names = "--ipc-address", paramLabel = "HOST:PORT", description = "API address for CLI, UI and clients (default 127.0.0.1:8090)")
    String ipcAddress;

    @Option(names = "--peer-addresses", paramLabel = "ADDRS", description = "Comma-separated bind addresses of cluster members to join")
    String peerAddresses;

    @Option(names = "--replication-strategy", paramLabel = "STRATEGY", description = "synchronous or asynchronous (default synchronous)")
    String replicationStrategy;

    @Option(names = "--persistence-level", paramLabel = "LEVEL", description = "basic, enhanced, high or maximum (default enhanced)")
    String persistenceLevel;

    @Option(names = "--mount-point", paramLabel = "DIR", description = "Directory under which volumes are mounted")
    String mountPoint;

    @Option(names = "--config", paramLabel = "FILE", description = "TOML configuration file; flags override it")
    String config;

    @Option(names = "--zone", paramLabel = "ZONE", description = "Failure zone of this node (default 'default')")
    String zone;

    @Option(names = "--labels", paramLabel = "K=V,...", description = "Node labels used by placement rules")
    String labels;

    @Option(names = "--nbd-address", paramLabel = "HOST:PORT", description = "Serve this node's volumes over NBD on this address (default off)")
    String nbdAddress;

    @Option(names = "--nbd-tls", paramLabel = "MODE", description = "NBD over TLS (NBD_OPT_STARTTLS) with the cluster certificates: off, optional or require"
            + " (default optional with --tls, else off; [daemon] nbd_tls)")
    String nbdTls;

    @Option(names = "--reserved-space", paramLabel = "SIZE", description = "Free space kept for the node; client writes get 507 below it (default auto: 5% of the file system, 64M..1G; 0 = none)")
    String reservedSpace;

    @Option(names = "--advertise-address", paramLabel = "HOST", description = "Address peers reach this node at (default: the bind host; for a 0.0.0.0 bind, this host's first non-loopback address)")
    String advertiseAddress;

    @Option(names = "--tls", description = "Serve the API (REST and gRPC, same port) over HTTPS and run JGroups and the data plane over mutual TLS,"
            + " with certificates from the cluster CA under <storage>/tls (a joining node needs the cluster's ca.crt and ca.key there"
            + " before its first start; default off; [security] tls_enabled)")
    Boolean tls;

    @Option(names = "--join-token", paramLabel = "TOKEN", description = "Join token for a cluster that requires one (prefer GALLEONFS_JOIN_TOKEN: flags show in the process list)")
    String joinToken;

    public String joinToken() {
        return joinToken;
    }

    public String configFile() {
        return config;
    }

    public Map<String, String> givenKeys() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "storage_path", storagePath);
        put(m, "block_size", blockSize);
        put(m, "bind_address", bindAddress);
        put(m, "ipc_address", ipcAddress);
        put(m, "peer_addresses", peerAddresses);
        put(m, "replication_strategy", replicationStrategy);
        put(m, "persistence_level", persistenceLevel);
        put(m, "mount_point", mountPoint);
        put(m, "config_file", config);
        put(m, "zone", zone);
        put(m, "labels", labels);
        put(m, "nbd_address", nbdAddress);
        put(m, "nbd_tls", nbdTls);
        put(m, "reserved_space", reservedSpace);
        put(m, "advertise_address", advertiseAddress);
        if (tls != null) {
            m.put("tls_enabled", tls.toString());
        }
        return m;
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
