package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The effective configuration of a node (defaults, then the TOML file, then flags), for {@code daemon config}.
 * {@code nbd_address} is null when the node serves no NBD; {@code reserved_space_bytes} is null for "auto".
 */
public record DaemonConfigInfo(
        @JsonProperty("storage_path") String storagePath,
        @JsonProperty("block_size") int blockSize,
        @JsonProperty("bind_address") String bindAddress,
        @JsonProperty("ipc_address") String ipcAddress,
        @JsonProperty("peer_addresses") List<String> peerAddresses,
        @JsonProperty("replication_strategy") String replicationStrategy,
        @JsonProperty("persistence_level") String persistenceLevel,
        @JsonProperty("mount_point") String mountPoint,
        @JsonProperty("config_file") String configFile,
        String zone,
        Map<String, String> labels,
        @JsonProperty("min_replicas") int minReplicas,
        @JsonProperty("max_replicas") int maxReplicas,
        @JsonProperty("journal_size_bytes") long journalSizeBytes,
        @JsonProperty("checkpoint_interval_seconds") long checkpointIntervalSeconds,
        @JsonProperty("health_check_interval_seconds") long healthCheckIntervalSeconds,
        @JsonProperty("encryption_at_rest") boolean encryptionAtRest,
        @JsonProperty("nbd_address") String nbdAddress,
        /** Null when "auto" (5 % of the storage file system, 64 MiB to 1 GiB). */
        @JsonProperty("reserved_space_bytes") Long reservedSpaceBytes,
        /** off, optional or require: whether NBD clients get TLS (NBD_OPT_STARTTLS). */
        @JsonProperty("nbd_tls") String nbdTls,
        /** MiB of the engine's cache of decrypted blocks; 0 = off; null from a node that predates the setting. */
        @JsonProperty("read_cache_mb") Integer readCacheMb,
        /** The master-key provider kind ({@code [keys] provider}: file, pkcs11 or command); only the kind, never a PIN,
         *  library, label or command. Null from a node that predates the field. */
        @JsonProperty("key_provider") String keyProvider,
        /** The engine format a new storage path gets ({@code [storage] engine_format}: layers or log); null from a node
         *  that predates the setting. */
        @JsonProperty("engine_format") String engineFormat) {
}
