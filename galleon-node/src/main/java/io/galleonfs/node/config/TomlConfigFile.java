package io.galleonfs.node.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

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
            Map.entry("cluster.peer_addresses", "peer_addresses"),
            Map.entry("cluster.auto_join", "auto_join"),
            Map.entry("cluster.health_check_interval", "health_check_interval"),
            Map.entry("replication.strategy", "replication_strategy"),
            Map.entry("replication.min_replicas", "min_replicas"),
            Map.entry("replication.max_replicas", "max_replicas"),
            Map.entry("persistence.level", "persistence_level"),
            Map.entry("persistence.journal_size", "journal_size"),
            Map.entry("persistence.checkpoint_interval", "checkpoint_interval"),
            Map.entry("security.encryption_at_rest", "encryption_at_rest"),
            Map.entry("security.tls_enabled", "tls_enabled"),
            Map.entry("security.auth_required", "auth_required"));

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
        TomlParseResult toml = Toml.parse(text);
        if (toml.hasErrors()) {
            var err = toml.errors().getFirst();
            throw new IllegalArgumentException("config file " + file + " is not valid TOML: " + err.toString());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String section : toml.keySet()) {
            if (!toml.isTable(section)) {
                throw new IllegalArgumentException("config file " + file + ": key '" + section + "' must be inside a [section]");
            }
            TomlTable table = toml.getTable(section);
            Set<String> keys = table.keySet();
            for (String key : keys) {
                String dotted = section + "." + key;
                String canonical = KEYS.get(dotted);
                if (canonical == null) {
                    throw new IllegalArgumentException("config file " + file + ": unknown key [" + section + "] " + key);
                }
                Object value = table.get(key);
                out.put(canonical, render(file, dotted, value));
            }
        }
        return out;
    }

    private static String render(Path file, String key, Object value) {
        return switch (value) {
            case TomlArray array -> array.toList().stream().map(Object::toString).collect(Collectors.joining(","));
            case TomlTable table -> table.keySet().stream().map(k -> k + "=" + table.get(k)).collect(Collectors.joining(","));
            case String s -> s;
            case Long l -> Long.toString(l);
            case Boolean b -> Boolean.toString(b);
            case null -> throw new IllegalArgumentException("config file " + file + ": " + key + " has no value");
            default -> throw new IllegalArgumentException("config file " + file + ": " + key + " has an unsupported value " + value);
        };
    }

    static List<String> knownKeys() {
        return List.copyOf(KEYS.keySet());
    }
}
