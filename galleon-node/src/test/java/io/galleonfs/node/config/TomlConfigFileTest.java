package io.galleonfs.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TomlConfigFileTest {

    @TempDir
    Path dir;

    /** The seed's "Daemon Configuration File" example, copied verbatim into src/test/resources/seed/daemon.conf. */
    static String seedDaemonConf() throws IOException {
        try (InputStream in = TomlConfigFileTest.class.getResourceAsStream("/seed/daemon.conf")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Map<String, String> seedKeys() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("storage_path", "/var/lib/galleonfs");
        m.put("block_size", "4096");
        m.put("bind_address", "0.0.0.0:8080");
        m.put("ipc_address", "127.0.0.1:8090");
        m.put("mount_point", "/mnt/galleonfs");
        m.put("peer_addresses", "10.0.1.11:8080,10.0.1.12:8080");
        m.put("auto_join", "true");
        m.put("health_check_interval", "30");
        m.put("replication_strategy", "synchronous");
        m.put("min_replicas", "2");
        m.put("max_replicas", "5");
        m.put("persistence_level", "high");
        m.put("journal_size", "256MB");
        m.put("checkpoint_interval", "300");
        m.put("encryption_at_rest", "true");
        m.put("tls_enabled", "false");
        m.put("auth_required", "false");
        return m;
    }

    private Path write(String content) throws IOException {
        Path f = dir.resolve("daemon.conf");
        Files.writeString(f, content);
        return f;
    }

    private String rejected(String content) throws IOException {
        Path f = write(content);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TomlConfigFile.read(f));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("config file " + f), msg);
        assertFalse(msg.contains("\n"), "one readable line: " + msg);
        return msg;
    }

    @Test
    void seedExampleParsesToTheExpectedKeys() throws IOException {
        Map<String, String> keys = TomlConfigFile.read(write(seedDaemonConf()));
        assertEquals(seedKeys(), keys);
        assertEquals(List.copyOf(seedKeys().keySet()), List.copyOf(keys.keySet()), "file order is kept");
    }

    @Test
    void seedExampleResolvesToAValidConfig() throws IOException {
        NodeConfig c = NodeConfig.resolve(TomlConfigFile.read(write(seedDaemonConf())));
        assertEquals(Path.of("/var/lib/galleonfs"), c.storagePath());
        assertEquals(4096, c.blockSize());
        assertEquals(new HostPort("0.0.0.0", 8080), c.bindAddress());
        assertEquals(new HostPort("127.0.0.1", 8090), c.ipcAddress());
        assertEquals(Optional.of(Path.of("/mnt/galleonfs")), c.mountPoint());
        assertEquals(List.of(new HostPort("10.0.1.11", 8080), new HostPort("10.0.1.12", 8080)), c.peerAddresses());
        assertTrue(c.autoJoin());
        assertEquals(30, c.healthCheckIntervalSeconds());
        assertEquals(ReplicationStrategy.SYNCHRONOUS, c.replicationStrategy());
        assertEquals(2, c.minReplicas());
        assertEquals(5, c.maxReplicas());
        assertEquals(PersistenceLevel.HIGH, c.persistenceLevel());
        assertEquals(256L << 20, c.journalSizeBytes());
        assertEquals(300, c.checkpointIntervalSeconds());
        assertTrue(c.encryptionAtRest());
    }

    @Test
    void everyKeyOfTheFileIsAcceptedByNodeConfig() throws IOException {
        // the seed's example plus [daemon] zone/labels/nbd_address, [cluster] discovery/dns_query and
        // [replication] replica_grace_period, [persistence] reserved_space, [daemon] advertise_address and [storage]
        // read_cache_mb, engine_format and [daemon] allowed_mount_roots use every key the reader knows
        assertEquals(39, TomlConfigFile.knownKeys().size());
        Map<String, String> keys = TomlConfigFile.read(write(seedDaemonConf().replace("[cluster]",
                "zone = \"zone-a\"\nlabels = { rack = \"r1\" }\nnbd_address = \"127.0.0.1:10809\"\nadvertise_address = \"10.0.1.10\"\nnbd_tls = \"off\"\nallowed_mount_roots = [\"/app\"]\n\n[cluster]\ndiscovery = \"tcpping\"\ndns_query = \"\"")
                .replace("[replication]", "[replication]\nreplica_grace_period = 60")
                .replace("[persistence]", "[persistence]\nreserved_space = \"128M\"")
                .replace("tls_enabled = false", "tls_enabled = false\naudit_max_file_mb = 32\naudit_keep_files = 4")
                + "\n[keys]\nprovider = \"pkcs11\"\npkcs11_library = \"/usr/lib/softhsm/libsofthsm2.so\"\nslot = 7\n"
                + "token_label = \"galleon\"\npin_file = \"/etc/galleonfs/pin\"\nkey_label = \"node-a\"\ncommand = \"\"\n"
                + "command_timeout = 10\n" + "\n[storage]\nread_cache_mb = 0\nengine_format = \"log\"\n"));
        assertEquals(39, keys.size());
        assertEquals("pkcs11", NodeConfig.resolve(keys).keys().provider());
        assertEquals(Optional.of(7L), NodeConfig.resolve(keys).keys().pkcs11Slot());
        assertEquals(32L << 20, NodeConfig.resolve(keys).auditMaxFileBytes());
        assertEquals(4, NodeConfig.resolve(keys).auditKeepFiles());
        assertEquals(0, NodeConfig.resolve(keys).readCacheMb());
        assertEquals("log", NodeConfig.resolve(keys).engineFormat());
        assertEquals(128L << 20, NodeConfig.resolve(keys).reservedSpaceBytes());
        assertEquals(60, NodeConfig.resolve(keys).replicaGracePeriodSeconds());
        assertTrue(NodeConfig.KEYS.containsAll(keys.keySet()), keys.keySet().toString());
        assertEquals("zone-a", NodeConfig.resolve(keys).zone());
    }

    @Test
    void zoneAndLabelsAreRead() throws IOException {
        Map<String, String> keys = TomlConfigFile.read(write("""
                [daemon]
                zone = "zone-a"
                labels = { tier = "ssd", rack = "r1" }
                """));
        assertEquals("zone-a", keys.get("zone"));
        assertEquals("tier=ssd,rack=r1", keys.get("labels"));
        assertEquals(Map.of("tier", "ssd", "rack", "r1"), NodeConfig.resolve(keys).labels());
    }

    @Test
    void emptyFileGivesNoKeys() throws IOException {
        assertEquals(Map.of(), TomlConfigFile.read(write("# nothing here\n")));
    }

    @Test
    void unknownKeyIsNamed() throws IOException {
        String msg = rejected("""
                [daemon]
                storage_pth = "/var/lib/galleonfs"
                """);
        assertTrue(msg.endsWith("unknown key [daemon] storage_pth"), msg);
    }

    @Test
    void unknownSectionIsNamed() throws IOException {
        String msg = rejected("""
                [deamon]
                storage_path = "/var/lib/galleonfs"
                """);
        assertTrue(msg.endsWith("unknown key [deamon] storage_path"), msg);
    }

    @Test
    void keyOutsideASectionIsRejected() throws IOException {
        String msg = rejected("storage_path = \"/var/lib/galleonfs\"\n");
        assertTrue(msg.contains("key 'storage_path' must be inside a [section]"), msg);
    }

    @Test
    void invalidTomlIsReadable() throws IOException {
        String msg = rejected("""
                [daemon
                storage_path = "/var/lib/galleonfs"
                """);
        assertTrue(msg.contains("is not valid TOML"), msg);
    }

    @Test
    void unterminatedStringIsReadable() throws IOException {
        String msg = rejected("""
                [daemon]
                storage_path = "/var/lib/galleonfs
                """);
        assertTrue(msg.contains("is not valid TOML"), msg);
    }

    @Test
    void duplicateKeyIsRejected() throws IOException {
        String msg = rejected("""
                [daemon]
                block_size = 4096
                block_size = 8192
                """);
        assertTrue(msg.contains("is not valid TOML"), msg);
    }

    @Test
    void missingFileIsReadable() {
        Path missing = dir.resolve("nope.conf");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TomlConfigFile.read(missing));
        assertTrue(e.getMessage().startsWith("cannot read config file " + missing), e.getMessage());
    }

    @Test
    void badValueInFileIsReportedByValidation() throws IOException {
        Map<String, String> keys = TomlConfigFile.read(write("""
                [daemon]
                block_size = 3000
                """));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.resolve(keys));
        assertTrue(e.getMessage().contains("block size 3000 is invalid"), e.getMessage());
    }

    @Test
    void tlsEnabledInFileIsHonoured() throws IOException {
        Map<String, String> keys = TomlConfigFile.read(write(seedDaemonConf().replace("tls_enabled = false", "tls_enabled = true")));
        assertEquals("true", keys.get("tls_enabled"));
        NodeConfig.resolve(keys);
        assertTrue(NodeConfig.tlsEnabled(keys));
    }
}
