package io.galleonfs.node.config;

import io.galleonfs.api.DaemonConfigInfo;
import io.galleonfs.api.Sizes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The validated, effective configuration of one node. It is built from a flat map of canonical keys (the TOML file's
 * key names) so that defaults, the TOML file, command-line flags and Quarkus config properties all merge the same way.
 */
public record NodeConfig(
        Path storagePath,
        int blockSize,
        HostPort bindAddress,
        HostPort ipcAddress,
        List<HostPort> peerAddresses,
        ReplicationStrategy replicationStrategy,
        PersistenceLevel persistenceLevel,
        Optional<Path> mountPoint,
        Optional<Path> configFile,
        String zone,
        Map<String, String> labels,
        int minReplicas,
        int maxReplicas,
        long journalSizeBytes,
        long checkpointIntervalSeconds,
        long healthCheckIntervalSeconds,
        boolean autoJoin,
        boolean encryptionAtRest,
        String discovery,
        String dnsQuery,
        Optional<HostPort> nbdAddress,
        long replicaGracePeriodSeconds,
        /** Space kept free for the node itself; {@link #AUTO_RESERVE} = 5 % of the file system, 64 MiB to 1 GiB. */
        long reservedSpaceBytes,
        /** API tokens are required ({@code [security] auth_required}, default true). */
        boolean authRequired,
        /** The host peers reach this node at when it differs from the bind host ({@code advertise_address}). */
        Optional<String> advertiseHost,
        /** The master key provider ({@code [keys]}). */
        KeySettings keys,
        /** NBD over TLS ({@code [daemon] nbd_tls}): off unless {@code tls_enabled}, where it defaults to optional. */
        NbdTls nbdTls,
        /** The audit log rotates when its file reaches this size ({@code [security] audit_max_file_mb}, default 64 MiB). */
        long auditMaxFileBytes,
        /** Rotated audit files kept ({@code [security] audit_keep_files}, default 8); older ones are deleted. */
        int auditKeepFiles,
        /** MiB of the engine's cache of decrypted blocks ({@code [storage] read_cache_mb}, default 32; 0 = off). */
        int readCacheMb,
        /** Directories besides the mount point where volumes may be mounted ({@code allowed_mount_roots}; see MountRoots). */
        List<Path> allowedMountRoots,
        /** On-disk format of the storage path's engine ({@code [storage] engine_format}: auto, layers or log; see ENGINE_FORMATS). */
        String engineFormat) {

    /** {@code reserved_space = "auto"}: sized from the storage file system's capacity at start. */
    public static final long AUTO_RESERVE = -1;

    /** The system property prefix under which a resolved configuration is handed to the Quarkus application. */
    public static final String PROPERTY_PREFIX = "galleon.";

    /** Upper bound of {@code read_cache_mb}: the cache lives on the JVM heap. */
    public static final int MAX_READ_CACHE_MB = 65_536;

    public static final List<String> KEYS = java.util.stream.Stream.concat(java.util.stream.Stream.of(
            "storage_path", "block_size", "bind_address", "ipc_address", "peer_addresses", "replication_strategy",
            "persistence_level", "mount_point", "config_file", "zone", "labels", "min_replicas", "max_replicas",
            "journal_size", "checkpoint_interval", "health_check_interval", "auto_join", "encryption_at_rest",
            "tls_enabled", "auth_required", "discovery", "dns_query", "nbd_address", "replica_grace_period",
            "reserved_space", "advertise_address", "nbd_tls", "audit_max_file_mb", "audit_keep_files", "read_cache_mb", "allowed_mount_roots",
            "engine_format"), KeySettings.KEYS.stream()).toList();

    /**
     * {@code engine_format} values: {@code auto} (an existing storage path keeps its recorded format, a new one gets the
     * log-structured store), the layer engine (journal + layer files) and the log-structured store (issue 18).
     */
    public static final List<String> ENGINE_FORMATS = List.of("auto", "layers", "log");

    /** The seed's defaults, plus documented ones for keys the seed only shows in its TOML example. */
    public static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("storage_path", "./galleonfs_storage");
        d.put("block_size", "4096");
        d.put("bind_address", "127.0.0.1:8080");
        d.put("ipc_address", "127.0.0.1:8090");
        d.put("peer_addresses", "");
        d.put("replication_strategy", "synchronous");
        d.put("persistence_level", "enhanced");
        d.put("zone", "default");
        d.put("labels", "");
        d.put("min_replicas", "1");
        d.put("max_replicas", "5");
        d.put("journal_size", "256MB");
        d.put("checkpoint_interval", "300");
        d.put("health_check_interval", "30");
        d.put("auto_join", "true");
        d.put("encryption_at_rest", "true");
        d.put("tls_enabled", "false");
        // Secure by default: the API refuses requests without a valid token (see README, Security).
        d.put("auth_required", "true");
        d.put("discovery", "tcpping");
        d.put("dns_query", "");
        d.put("nbd_address", "");
        // A replica's node that stays down this long (seconds) gets its copies re-placed on other nodes.
        d.put("replica_grace_period", "600");
        // Free space client writes may not use: deletes, metadata and restart always find room.
        d.put("reserved_space", "auto");
        // Empty: the bind host, or for a wildcard bind (0.0.0.0) the host's first non-loopback address.
        d.put("advertise_address", "");
        d.putAll(KeySettings.defaults());
        // Empty: optional when tls_enabled (the cluster certificates exist), off otherwise.
        d.put("nbd_tls", "");
        d.put("audit_max_file_mb", "64");
        d.put("audit_keep_files", "8");
        // Decrypted blocks of encrypted volumes kept for re-reads (EngineConfig.DEFAULT_READ_CACHE_BYTES).
        d.put("read_cache_mb", "32");
        // Empty: operators mount under mount_point only, admins anywhere (the seed mounts at /app/...).
        d.put("allowed_mount_roots", "");
        // An existing storage path keeps its format, so an upgrade never refuses to start; a new one gets the log store.
        d.put("engine_format", "auto");
        return d;
    }

    /**
     * Validates a merged key map.
     *
     * @throws IllegalArgumentException with one readable line naming the bad key and value
     */
    public static NodeConfig resolve(Map<String, String> merged) {
        Map<String, String> m = new LinkedHashMap<>(defaults());
        merged.forEach((k, v) -> {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown configuration key '" + k + "'");
            }
            if (v != null) {
                m.put(k, v);
            }
        });
        int blockSize = parseInt("block_size", m.get("block_size"));
        if (blockSize < 512 || blockSize > (1 << 20) || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size " + blockSize + " is invalid: it must be a power of two from 512 to 1048576");
        }
        HostPort bind = HostPort.parse("bind address", m.get("bind_address"));
        HostPort ipc = HostPort.parse("ipc address", m.get("ipc_address"));
        if (bind.port() == ipc.port() && (bind.host().equals(ipc.host()) || isWildcard(bind.host()) || isWildcard(ipc.host())
                || sameAddress(bind.host(), ipc.host()))) {
            throw new IllegalArgumentException("bind address " + bind + " and ipc address " + ipc + " use the same port on the same host; they must differ");
        }
        Optional<String> advertise = parseAdvertise(m.get("advertise_address"));
        List<HostPort> peers = new ArrayList<>();
        for (String p : splitList(m.get("peer_addresses"))) {
            HostPort peer = HostPort.parse("peer address", p);
            // This node's own address among its peers is dropped, so every member can be given the same list (a
            // Kubernetes StatefulSet's pods all get "pod 0"): the node whose address it is founds the cluster.
            if (!peer.equals(bind) && !peer.equals(new HostPort(advertise.orElse(bind.host()), bind.port())) && !peers.contains(peer)) {
                peers.add(peer);
            }
        }
        int minReplicas = parseInt("min_replicas", m.get("min_replicas"));
        int maxReplicas = parseInt("max_replicas", m.get("max_replicas"));
        if (minReplicas < 1 || maxReplicas < minReplicas || maxReplicas > 16) {
            throw new IllegalArgumentException("replica bounds min_replicas=" + minReplicas + " max_replicas=" + maxReplicas
                    + " are invalid: need 1 <= min_replicas <= max_replicas <= 16");
        }
        long journal;
        try {
            journal = Sizes.parse(m.get("journal_size"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("journal_size: " + e.getMessage());
        }
        if (journal < (4L << 20)) {
            throw new IllegalArgumentException("journal_size " + m.get("journal_size") + " is too small: at least 4M");
        }
        long reserve = parseReserve(m.get("reserved_space"));
        long checkpoint = parsePositiveLong("checkpoint_interval", m.get("checkpoint_interval"));
        long health = parsePositiveLong("health_check_interval", m.get("health_check_interval"));
        long grace = parsePositiveLong("replica_grace_period", m.get("replica_grace_period"));
        boolean tls = parseBool("tls_enabled", m.get("tls_enabled")); // applied by the launcher (see tlsEnabled)
        NbdTls nbdTls = NbdTls.parse(m.get("nbd_tls"), tls);
        long auditMaxMb = parseInt("audit_max_file_mb", m.get("audit_max_file_mb"));
        int auditKeep = parseInt("audit_keep_files", m.get("audit_keep_files"));
        if (auditMaxMb < 1 || auditMaxMb > 1 << 20 || auditKeep < 1 || auditKeep > 100_000) {
            throw new IllegalArgumentException("audit_max_file_mb " + auditMaxMb + " or audit_keep_files " + auditKeep
                    + " is invalid: need 1..1048576 MiB per file and 1..100000 files kept");
        }
        boolean authRequired = parseBool("auth_required", m.get("auth_required"));
        String zone = m.get("zone").trim();
        if (zone.isEmpty()) {
            throw new IllegalArgumentException("zone is empty");
        }
        String storage = m.get("storage_path");
        if (storage == null || storage.isBlank()) {
            throw new IllegalArgumentException("storage path is empty");
        }
        String discovery = m.get("discovery").trim().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("tcpping", "multicast", "dns").contains(discovery)) {
            throw new IllegalArgumentException("discovery '" + m.get("discovery") + "' is invalid; expected tcpping, multicast or dns");
        }
        String dnsQuery = m.get("dns_query") == null ? "" : m.get("dns_query").trim();
        if (discovery.equals("dns") && dnsQuery.isEmpty()) {
            throw new IllegalArgumentException("discovery = dns needs dns_query (e.g. galleonfs-headless.default.svc.cluster.local)");
        }
        String nbd = m.get("nbd_address");
        Optional<HostPort> nbdAddress = nbd == null || nbd.isBlank() ? Optional.empty() : Optional.of(HostPort.parse("nbd address", nbd));
        if (nbdAddress.isPresent() && (nbdAddress.get().port() == ipc.port() || nbdAddress.get().port() == bind.port())) {
            throw new IllegalArgumentException("nbd address " + nbdAddress.get() + " uses the port of the ipc or bind address; pick another port");
        }
        // The data plane listens at the bind port + 200; a clash found here is one line instead of "Address already in
        // use" halfway through start-up.
        int dataPort = bind.port() + io.galleonfs.node.replication.ReplicationService.DATA_PORT_OFFSET;
        if (dataPort > 65535) {
            throw new IllegalArgumentException("bind address " + bind + " leaves no room for the data plane at its port + "
                    + io.galleonfs.node.replication.ReplicationService.DATA_PORT_OFFSET + "; pick a port up to "
                    + (65535 - io.galleonfs.node.replication.ReplicationService.DATA_PORT_OFFSET));
        }
        if (dataPort == ipc.port() || nbdAddress.map(a -> a.port() == dataPort).orElse(false)) {
            throw new IllegalArgumentException("port " + dataPort + " is the data plane's (bind port + "
                    + io.galleonfs.node.replication.ReplicationService.DATA_PORT_OFFSET + "), so the "
                    + (dataPort == ipc.port() ? "ipc" : "nbd") + " address cannot use it; pick another port");
        }
        int readCacheMb = parseInt("read_cache_mb", m.get("read_cache_mb"));
        if (readCacheMb < 0 || readCacheMb > MAX_READ_CACHE_MB) {
            throw new IllegalArgumentException("read_cache_mb " + readCacheMb + " is invalid: it must be from 0 (off) to " + MAX_READ_CACHE_MB);
        }
        String engineFormat = m.get("engine_format").trim();
        if (!ENGINE_FORMATS.contains(engineFormat)) {
            throw new IllegalArgumentException("engine_format '" + engineFormat + "' is invalid: it must be auto, layers or log");
        }
        String mount = m.get("mount_point");
        String cfgFile = m.get("config_file");
        return new NodeConfig(
                Path.of(storage).toAbsolutePath().normalize(),
                blockSize,
                bind,
                ipc,
                List.copyOf(peers),
                ReplicationStrategy.parse(m.get("replication_strategy")),
                PersistenceLevel.parse(m.get("persistence_level")),
                mount == null || mount.isBlank() ? Optional.empty() : Optional.of(Path.of(mount).toAbsolutePath().normalize()),
                cfgFile == null || cfgFile.isBlank() ? Optional.empty() : Optional.of(Path.of(cfgFile).toAbsolutePath().normalize()),
                zone,
                parseLabels(m.get("labels")),
                minReplicas,
                maxReplicas,
                journal,
                checkpoint,
                health,
                parseBool("auto_join", m.get("auto_join")),
                parseBool("encryption_at_rest", m.get("encryption_at_rest")),
                discovery,
                dnsQuery,
                nbdAddress,
                grace,
                reserve,
                authRequired,
                advertise,
                KeySettings.parse(m),
                nbdTls,
                auditMaxMb << 20,
                auditKeep,
                readCacheMb,
                parseMountRoots(m.get("allowed_mount_roots")),
                engineFormat);
    }

    private static List<Path> parseMountRoots(String text) {
        List<Path> roots = new ArrayList<>();
        for (String r : splitList(text)) {
            Path p;
            try {
                p = Path.of(r);
            } catch (java.nio.file.InvalidPathException e) {
                throw new IllegalArgumentException("allowed_mount_roots: '" + r + "' is not a valid path");
            }
            if (!p.isAbsolute() || p.normalize().getNameCount() == 0) {
                throw new IllegalArgumentException("allowed_mount_roots: '" + r + "' must be an absolute directory other than /");
            }
            roots.add(p.normalize());
        }
        return List.copyOf(roots);
    }

    private static Optional<String> parseAdvertise(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String host = text.trim();
        if (host.contains(":") && !host.startsWith("[") && host.indexOf(':') == host.lastIndexOf(':')) {
            throw new IllegalArgumentException("advertise address '" + text + "' is invalid: give a host or IP address without a port"
                    + " (the bind address's port is used)");
        }
        if (LocalAddresses.isWildcard(host)) {
            throw new IllegalArgumentException("advertise address '" + text + "' is a wildcard; give the address peers reach this node at");
        }
        return Optional.of(host);
    }

    /**
     * The cluster address peers connect to: the bind address, with its host replaced by {@code advertise_address} if
     * set, or by the host's primary address when the bind host is a wildcard.
     */
    public HostPort advertisedBindAddress() {
        if (advertiseHost.isPresent()) {
            return new HostPort(advertiseHost.get(), bindAddress.port());
        }
        return LocalAddresses.isWildcard(bindAddress.host()) ? new HostPort(LocalAddresses.primaryHost(), bindAddress.port()) : bindAddress;
    }

    private static long parseReserve(String text) {
        String t = text == null ? "auto" : text.trim();
        if (t.equalsIgnoreCase("auto")) {
            return AUTO_RESERVE;
        }
        if (t.equals("0")) {
            return 0;
        }
        try {
            return Sizes.parse(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("reserved_space: " + e.getMessage() + " (or \"auto\", or 0 for none)");
        }
    }

    /**
     * {@code [security] tls_enabled} / {@code --tls} of a key map as {@link #resolve} takes it (defaults applied). Not a
     * component: only the launcher needs it, to configure the HTTPS listener before Quarkus starts.
     */
    public static boolean tlsEnabled(Map<String, String> keys) {
        Map<String, String> m = new LinkedHashMap<>(defaults());
        m.putAll(keys);
        return parseBool("tls_enabled", m.get("tls_enabled"));
    }

    /** The engine's read cache in bytes (0 = off). */
    /**
     * The engine {@code StorageFormat} this configuration opens {@code engineRoot} in: the configured one, or with
     * {@code auto} the root's recorded format ({@code LOG_V1} for a new root).
     */
    public String storageFormat(Path engineRoot) throws java.io.IOException {
        return switch (engineFormat) {
            case "log" -> io.galleonfs.engine.StorageFormat.LOG_V1;
            case "layers" -> io.galleonfs.engine.StorageFormat.LAYERS_V1;
            default -> io.galleonfs.engine.StorageFormat.recordedOr(engineRoot, io.galleonfs.engine.StorageFormat.LOG_V1);
        };
    }

    /** This configuration with {@code engine_format} resolved to the format the engine opened in (layers or log). */
    public NodeConfig withEngineFormat(String format) {
        if (!ENGINE_FORMATS.contains(format)) {
            throw new IllegalArgumentException("engine_format '" + format + "' is invalid: it must be auto, layers or log");
        }
        return new NodeConfig(storagePath, blockSize, bindAddress, ipcAddress, peerAddresses, replicationStrategy, persistenceLevel,
                mountPoint, configFile, zone, labels, minReplicas, maxReplicas, journalSizeBytes, checkpointIntervalSeconds,
                healthCheckIntervalSeconds, autoJoin, encryptionAtRest, discovery, dnsQuery, nbdAddress, replicaGracePeriodSeconds,
                reservedSpaceBytes, authRequired, advertiseHost, keys, nbdTls, auditMaxFileBytes, auditKeepFiles, readCacheMb,
                allowedMountRoots, format);
    }

    public long readCacheBytes() {
        return (long) readCacheMb << 20;
    }

    /** The reserve in bytes for a file system of {@code capacityBytes}. */
    public long reservedSpaceBytes(long capacityBytes) {
        if (reservedSpaceBytes != AUTO_RESERVE) {
            return reservedSpaceBytes;
        }
        return Math.clamp(capacityBytes / 20, 64L << 20, 1L << 30);
    }

    /** The canonical key map of this configuration, inverse of {@link #resolve}. */
    public Map<String, String> toKeyMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("storage_path", storagePath.toString());
        m.put("block_size", Integer.toString(blockSize));
        m.put("bind_address", bindAddress.toString());
        m.put("ipc_address", ipcAddress.toString());
        m.put("peer_addresses", String.join(",", peerAddresses.stream().map(HostPort::toString).toList()));
        m.put("replication_strategy", replicationStrategy.wire());
        m.put("persistence_level", persistenceLevel.wire());
        mountPoint.ifPresent(p -> m.put("mount_point", p.toString()));
        configFile.ifPresent(p -> m.put("config_file", p.toString()));
        m.put("zone", zone);
        m.put("labels", String.join(",", labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        m.put("min_replicas", Integer.toString(minReplicas));
        m.put("max_replicas", Integer.toString(maxReplicas));
        m.put("journal_size", Long.toString(journalSizeBytes));
        m.put("checkpoint_interval", Long.toString(checkpointIntervalSeconds));
        m.put("health_check_interval", Long.toString(healthCheckIntervalSeconds));
        m.put("auto_join", Boolean.toString(autoJoin));
        m.put("encryption_at_rest", Boolean.toString(encryptionAtRest));
        m.put("discovery", discovery);
        m.put("dns_query", dnsQuery);
        nbdAddress.ifPresent(a -> m.put("nbd_address", a.toString()));
        m.put("replica_grace_period", Long.toString(replicaGracePeriodSeconds));
        m.put("reserved_space", reservedSpaceBytes == AUTO_RESERVE ? "auto" : Long.toString(reservedSpaceBytes));
        m.put("auth_required", Boolean.toString(authRequired));
        advertiseHost.ifPresent(h -> m.put("advertise_address", h));
        m.putAll(keys.toKeyMap());
        m.put("nbd_tls", nbdTls.wire());
        m.put("audit_max_file_mb", Long.toString(auditMaxFileBytes >> 20));
        m.put("audit_keep_files", Integer.toString(auditKeepFiles));
        m.put("read_cache_mb", Integer.toString(readCacheMb));
        if (!allowedMountRoots.isEmpty()) {
            m.put("allowed_mount_roots", String.join(",", allowedMountRoots.stream().map(Path::toString).toList()));
        }
        m.put("engine_format", engineFormat);
        return m;
    }

    public DaemonConfigInfo toInfo() {
        return new DaemonConfigInfo(storagePath.toString(), blockSize, bindAddress.toString(), ipcAddress.toString(),
                peerAddresses.stream().map(HostPort::toString).toList(), replicationStrategy.wire(), persistenceLevel.wire(),
                mountPoint.map(Path::toString).orElse(null), configFile.map(Path::toString).orElse(null), zone, labels,
                minReplicas, maxReplicas, journalSizeBytes, checkpointIntervalSeconds, healthCheckIntervalSeconds,
                encryptionAtRest, nbdAddress.map(HostPort::toString).orElse(null),
                reservedSpaceBytes == AUTO_RESERVE ? null : reservedSpaceBytes, nbdTls.wire(), readCacheMb, keys.provider(),
                engineFormat);
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("*");
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return java.net.InetAddress.getByName(a).equals(java.net.InetAddress.getByName(b));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    static List<String> splitList(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static Map<String, String> parseLabels(String text) {
        Map<String, String> labels = new TreeMap<>();
        for (String kv : splitList(text)) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("label '" + kv + "' is not KEY=VALUE");
            }
            labels.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return java.util.Collections.unmodifiableMap(labels);
    }

    private static int parseInt(String key, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(key.replace('_', ' ') + " '" + text + "' is not a whole number");
        }
    }

    private static long parsePositiveLong(String key, String text) {
        long v;
        try {
            v = Long.parseLong(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(key + " '" + text + "' is not a whole number of seconds");
        }
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be positive, got " + v);
        }
        return v;
    }

    private static boolean parseBool(String key, String text) {
        return switch (text == null ? "" : text.trim().toLowerCase()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " '" + text + "' is not true or false");
        };
    }
}
