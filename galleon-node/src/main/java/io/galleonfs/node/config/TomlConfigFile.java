package io.galleonfs.node.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.util.ArrayList;

/** Reads the seed's daemon.conf (TOML) into canonical configuration keys. Unknown sections or keys are errors, so typos do not pass silently. */
public final class TomlConfigFile {

    /** section.key in the file -> canonical key. */
    private static final Map<String, String> KEYS = Map.ofEntries(
            Map.entry("daemon.storage_path", "storage_path"),
            Map.entry("daemon.block_size", "block_size"),
            Map.entry("daemon.bind_address", "bind_address"),
            Map.entry("daemon.ipc_address", "ipc_address"),
            Map.entry("daemon.mount_point", "mount_point"),
            Map.entry("daemon.zone", "zone"),
            Map.entry("daemon.labels", "labels"),
            Map.entry("daemon.nbd_address", "nbd_address"),
            Map.entry("daemon.nbd_tls", "nbd_tls"),
            Map.entry("daemon.advertise_address", "advertise_address"),
            Map.entry("daemon.allowed_mount_roots", "allowed_mount_roots"),
            Map.entry("cluster.peer_addresses", "peer_addresses"),
            Map.entry("cluster.auto_join", "auto_join"),
            Map.entry("cluster.health_check_interval", "health_check_interval"),
            Map.entry("cluster.discovery", "discovery"),
            Map.entry("cluster.dns_query", "dns_query"),
            Map.entry("replication.strategy", "replication_strategy"),
            Map.entry("replication.min_replicas", "min_replicas"),
            Map.entry("replication.max_replicas", "max_replicas"),
            Map.entry("replication.replica_grace_period", "replica_grace_period"),
            Map.entry("persistence.level", "persistence_level"),
            Map.entry("persistence.journal_size", "journal_size"),
            Map.entry("persistence.checkpoint_interval", "checkpoint_interval"),
            Map.entry("persistence.reserved_space", "reserved_space"),
            Map.entry("storage.read_cache_mb", "read_cache_mb"),
            Map.entry("storage.engine_format", "engine_format"),
            Map.entry("security.encryption_at_rest", "encryption_at_rest"),
            Map.entry("security.tls_enabled", "tls_enabled"),
            Map.entry("security.auth_required", "auth_required"),
            Map.entry("keys.provider", "key_provider"),
            Map.entry("keys.pkcs11_library", "key_pkcs11_library"),
            Map.entry("keys.slot", "key_pkcs11_slot"),
            Map.entry("keys.token_label", "key_pkcs11_token_label"),
            Map.entry("keys.pin_file", "key_pkcs11_pin_file"),
            Map.entry("keys.key_label", "key_label"),
            Map.entry("keys.command", "key_command"),
            Map.entry("keys.command_timeout", "key_command_timeout"),
            Map.entry("security.audit_max_file_mb", "audit_max_file_mb"),
            Map.entry("security.audit_keep_files", "audit_keep_files"));

    private static final TomlMapper TOML = new TomlMapper();

    private TomlConfigFile() {
    }

    /** @throws IllegalArgumentException naming the file and the problem */
    public static Map<String, String> read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage());
        }
        JsonNode root;
        try {
            root = TOML.readTree(text);
        } catch (IOException e) {
            String msg = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException("config file " + file + " is not valid TOML: " + msg);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> section : root.properties()) {
            if (!section.getValue().isObject()) {
                throw new IllegalArgumentException("config file " + file + ": key '" + section.getKey() + "' must be inside a [section]");
            }
            for (Map.Entry<String, JsonNode> entry : section.getValue().properties()) {
                String dotted = section.getKey() + "." + entry.getKey();
                String canonical = KEYS.get(dotted);
                if (canonical == null) {
                    throw new IllegalArgumentException("config file " + file + ": unknown key [" + section.getKey() + "] " + entry.getKey());
                }
                out.put(canonical, render(file, dotted, entry.getValue()));
            }
        }
        return out;
    }

    private static String render(Path file, String key, JsonNode value) {
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            value.forEach(v -> items.add(v.asText()));
            return String.join(",", items);
        }
        if (value.isObject()) {
            List<String> items = new ArrayList<>();
            value.properties().forEach(e -> items.add(e.getKey() + "=" + e.getValue().asText()));
            return String.join(",", items);
        }
        if (value.isValueNode() && !value.isNull()) {
            return value.asText();
        }
        throw new IllegalArgumentException("config file " + file + ": " + key + " has an unsupported value " + value);
    }

    static List<String> knownKeys() {
        return List.copyOf(KEYS.keySet());
    }
}
