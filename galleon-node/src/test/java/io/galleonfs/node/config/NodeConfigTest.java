package io.galleonfs.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.DaemonConfigInfo;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeConfigTest {

    private static NodeConfig resolve(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return NodeConfig.resolve(m);
    }

    private static String rejected(String... keyValues) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> resolve(keyValues));
        String msg = e.getMessage();
        assertTrue(msg != null && !msg.isBlank(), "error message must be readable");
        assertFalse(msg.contains("\n"), "error message must be one line: " + msg);
        return msg;
    }

    // ---- mount roots ---------------------------------------------------------------------------------------------

    @Test
    void allowedMountRootsAreAbsoluteDirectoriesAndRoundTrip() {
        NodeConfig c = resolve("allowed_mount_roots", "/app, /srv/data/");
        assertEquals(List.of(java.nio.file.Path.of("/app"), java.nio.file.Path.of("/srv/data")), c.allowedMountRoots());
        assertEquals("/app,/srv/data", c.toKeyMap().get("allowed_mount_roots"));
        assertEquals(List.of(), resolve().allowedMountRoots());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> resolve("allowed_mount_roots", "relative/dir"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> resolve("allowed_mount_roots", "/"));
    }

    // ---- advertised address ----------------------------------------------------------------------------------

    @Test
    void theAdvertisedAddressIsTheBindAddressUnlessItIsAWildcardOrOverridden() {
        assertEquals(new HostPort("127.0.0.5", 8080), resolve("bind_address", "127.0.0.5:8080").advertisedBindAddress());
        HostPort wildcard = resolve("bind_address", "0.0.0.0:8080").advertisedBindAddress();
        assertEquals(8080, wildcard.port());
        assertFalse(LocalAddresses.isWildcard(wildcard.host()), wildcard.toString());
        NodeConfig given = resolve("bind_address", "0.0.0.0:8080", "advertise_address", "10.0.1.11");
        assertEquals(new HostPort("10.0.1.11", 8080), given.advertisedBindAddress());
        assertEquals("10.0.1.11", given.toKeyMap().get("advertise_address"));
        // Every member can be given the same peer list: the node's own advertised address in it is dropped.
        assertEquals(List.of(new HostPort("10.0.1.12", 8080)), resolve("bind_address", "0.0.0.0:8080", "advertise_address",
                "10.0.1.11", "peer_addresses", "10.0.1.11:8080,10.0.1.12:8080").peerAddresses());
    }

    @Test
    void aWildcardOrAPortAsTheAdvertisedAddressIsRefused() {
        assertTrue(rejected("advertise_address", "0.0.0.0").contains("wildcard"));
        assertTrue(rejected("advertise_address", "10.0.1.11:8080").contains("without a port"));
    }

    @Test
    void thePrimaryHostPrefersSiteLocalIpv4() throws Exception {
        java.net.InetAddress v6 = java.net.InetAddress.getByName("2001:db8::1");
        java.net.InetAddress pub = java.net.InetAddress.getByName("203.0.113.7");
        java.net.InetAddress site = java.net.InetAddress.getByName("10.0.1.11");
        assertEquals("10.0.1.11", LocalAddresses.pick(List.of(v6, pub, site)));
        assertEquals("203.0.113.7", LocalAddresses.pick(List.of(v6, pub)));
        assertEquals("127.0.0.1", LocalAddresses.pick(List.of()));
    }

    // ---- defaults ---------------------------------------------------------------------------------------------

    @Test
    void defaultsAreTheSeeds() {
        NodeConfig c = NodeConfig.resolve(Map.of());
        assertEquals(Path.of("./galleonfs_storage").toAbsolutePath().normalize(), c.storagePath());
        assertEquals(4096, c.blockSize());
        assertEquals(new HostPort("127.0.0.1", 8080), c.bindAddress());
        assertEquals(new HostPort("127.0.0.1", 8090), c.ipcAddress());
        assertEquals("127.0.0.1:8080", c.bindAddress().toString());
        assertEquals("127.0.0.1:8090", c.ipcAddress().toString());
        assertEquals(ReplicationStrategy.SYNCHRONOUS, c.replicationStrategy());
        assertEquals(PersistenceLevel.ENHANCED, c.persistenceLevel());
        assertEquals(List.of(), c.peerAddresses());
        assertEquals(Optional.empty(), c.mountPoint());
        assertEquals(Optional.empty(), c.configFile());
        assertEquals("default", c.zone());
        assertEquals(Map.of(), c.labels());
        assertEquals(1, c.minReplicas());
        assertEquals(5, c.maxReplicas());
        assertEquals(256L << 20, c.journalSizeBytes());
        assertEquals(300, c.checkpointIntervalSeconds());
        assertEquals(30, c.healthCheckIntervalSeconds());
        assertTrue(c.autoJoin());
        assertTrue(c.encryptionAtRest());
    }

    @Test
    void defaultMapUsesTheSeedsValuesAndOnlyKnownKeys() {
        Map<String, String> d = NodeConfig.defaults();
        assertEquals("./galleonfs_storage", d.get("storage_path"));
        assertEquals("4096", d.get("block_size"));
        assertEquals("127.0.0.1:8080", d.get("bind_address"));
        assertEquals("127.0.0.1:8090", d.get("ipc_address"));
        assertEquals("synchronous", d.get("replication_strategy"));
        assertEquals("enhanced", d.get("persistence_level"));
        assertEquals("false", d.get("tls_enabled"));
        assertTrue(NodeConfig.KEYS.containsAll(d.keySet()), "defaults may only use known keys");
    }

    @Test
    void toInfoShowsTheEffectiveValues() {
        DaemonConfigInfo info = NodeConfig.resolve(Map.of()).toInfo();
        assertEquals(4096, info.blockSize());
        assertEquals("127.0.0.1:8080", info.bindAddress());
        assertEquals("127.0.0.1:8090", info.ipcAddress());
        assertEquals("synchronous", info.replicationStrategy());
        assertEquals("enhanced", info.persistenceLevel());
        assertEquals(null, info.mountPoint());
        assertEquals(256L << 20, info.journalSizeBytes());
        assertEquals("file", info.keyProvider());
    }

    @Test
    void toInfoNamesTheKeyProviderKindAndNothingOfItsSettings() throws Exception {
        DaemonConfigInfo info = resolve("key_provider", "PKCS11", "key_pkcs11_library", "/usr/lib/softhsm/libsofthsm2.so",
                "key_pkcs11_token_label", "galleon-token-label", "key_pkcs11_pin_file", "/etc/galleonfs/secret-pin-file").toInfo();
        assertEquals("pkcs11", info.keyProvider());
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(info);
        assertTrue(json.contains("\"key_provider\":\"pkcs11\""), json);
        for (String hidden : List.of("libsofthsm2", "galleon-token-label", "secret-pin-file")) {
            assertFalse(json.contains(hidden), hidden + " in " + json);
        }
        DaemonConfigInfo command = resolve("key_provider", "command", "key_command", "/opt/kms/wrap --secret-arg").toInfo();
        assertEquals("command", command.keyProvider());
        assertFalse(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(command).contains("secret-arg"));
    }

    // ---- block size -------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"512", "1024", "4096", "65536", "1048576", " 8192 "})
    void blockSizesThatArePowersOfTwoInRangeAreAccepted(String size) {
        assertEquals(Integer.parseInt(size.trim()), resolve("block_size", size).blockSize());
    }

    @ParameterizedTest
    @ValueSource(strings = {"3000", "4097", "6144", "1000000"})
    void blockSizeNotAPowerOfTwoIsRejected(String size) {
        String msg = rejected("block_size", size);
        assertTrue(msg.contains(size) && msg.contains("power of two"), msg);
    }

    @ParameterizedTest
    @ValueSource(strings = {"256", "1", "0", "-4096", "2097152", "1073741824"})
    void blockSizeOutside512To1MIsRejected(String size) {
        String msg = rejected("block_size", size);
        assertTrue(msg.contains("512") && msg.contains("1048576"), msg);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "4k", "abc", "4096.0", "99999999999"})
    void blockSizeThatIsNotANumberIsRejected(String size) {
        assertTrue(rejected("block_size", size).contains("not a whole number"));
    }

    // ---- addresses --------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "127.0.0.1", ":8080", "127.0.0.1:", "host:port", "host:80a", ""})
    void badHostPortIsRejected(String address) {
        String msg = rejected("bind_address", address);
        assertTrue(msg.startsWith("bind address"), msg);
        String ipcMsg = rejected("ipc_address", address);
        assertTrue(ipcMsg.startsWith("ipc address"), ipcMsg);
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:65536", "127.0.0.1:-1"})
    void portOutsideRangeIsRejected(String address) {
        String msg = rejected("ipc_address", address);
        assertTrue(msg.contains("outside 1-65535"), msg);
    }

    @Test
    void portBoundariesAreAccepted() {
        NodeConfig c = resolve("bind_address", "example.org:1", "ipc_address", "[::1]:65535");
        assertEquals(new HostPort("example.org", 1), c.bindAddress());
        assertEquals(new HostPort("::1", 65535), c.ipcAddress());
        assertEquals("[::1]:65535", c.ipcAddress().toString());
    }

    @Test
    void bindEqualToIpcIsRejected() {
        String msg = rejected("bind_address", "127.0.0.1:9000", "ipc_address", "127.0.0.1:9000");
        assertTrue(msg.contains("must differ"), msg);
        // the default ipc address given as bind address collides as well
        assertTrue(rejected("bind_address", "127.0.0.1:8090").contains("must differ"));
    }

    @Test
    void theDataPlanePortBindPlus200IsKeptFreeOfTheOtherListeners() {
        String ipc = rejected("bind_address", "127.0.0.1:9000", "ipc_address", "127.0.0.1:9200");
        assertTrue(ipc.startsWith("port 9200 is the data plane's (bind port + 200), so the ipc address"), ipc);
        String nbd = rejected("bind_address", "127.0.0.1:9000", "nbd_address", "127.0.0.1:9200");
        assertTrue(nbd.contains("so the nbd address cannot use it"), nbd);
        String high = rejected("bind_address", "127.0.0.1:65400");
        assertTrue(high.contains("leaves no room for the data plane"), high);
        assertEquals(65335, resolve("bind_address", "127.0.0.1:65335").bindAddress().port());
    }

    @Test
    void badPeerAddressIsRejected() {
        String msg = rejected("peer_addresses", "10.0.0.1:8080,10.0.0.2");
        assertTrue(msg.startsWith("peer address"), msg);
    }

    @Test
    void peerAddressesAreSplitAndTrimmed() {
        NodeConfig c = resolve("peer_addresses", " 10.0.1.11:8080 , ,10.0.1.12:8080 ");
        assertEquals(List.of(new HostPort("10.0.1.11", 8080), new HostPort("10.0.1.12", 8080)), c.peerAddresses());
    }

    @Test
    void ownBindAddressAmongPeersIsDropped() {
        NodeConfig founder = resolve("bind_address", "galleonfs-0.galleonfs-headless:8080",
                "peer_addresses", "galleonfs-0.galleonfs-headless:8080");
        assertEquals(List.of(), founder.peerAddresses());
        NodeConfig joiner = resolve("bind_address", "galleonfs-1.galleonfs-headless:8080",
                "peer_addresses", "galleonfs-0.galleonfs-headless:8080,galleonfs-1.galleonfs-headless:8080");
        assertEquals(List.of(new HostPort("galleonfs-0.galleonfs-headless", 8080)), joiner.peerAddresses());
    }

    // ---- strategy and level -----------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"eventual", "sync", "", "synchronous!"})
    void badReplicationStrategyIsRejected(String strategy) {
        assertTrue(rejected("replication_strategy", strategy).contains("invalid replication strategy"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"extreme", "none", "", "max"})
    void badPersistenceLevelIsRejected(String level) {
        assertTrue(rejected("persistence_level", level).contains("invalid persistence level"));
    }

    @Test
    void strategyAndLevelAreCaseInsensitive() {
        NodeConfig c = resolve("replication_strategy", "ASYNCHRONOUS", "persistence_level", " Maximum ");
        assertEquals(ReplicationStrategy.ASYNCHRONOUS, c.replicationStrategy());
        assertEquals(PersistenceLevel.MAXIMUM, c.persistenceLevel());
    }

    // ---- security and other keys ------------------------------------------------------------------------------

    @Test
    void tlsEnabledIsAcceptedAndOffByDefault() {
        assertEquals(4096, resolve("tls_enabled", "true").blockSize());
        assertTrue(NodeConfig.tlsEnabled(Map.of("tls_enabled", "true")));
        assertFalse(NodeConfig.tlsEnabled(Map.of()));
    }

    @Test
    void authIsRequiredByDefaultAndCanBeSwitchedOff() {
        assertTrue(resolve("auth_required", "true").authRequired());
        assertTrue(NodeConfig.resolve(Map.of()).authRequired(), "secure by default");
        assertFalse(resolve("auth_required", "false").authRequired());
        assertTrue(rejected("auth_required", "yes").contains("not true or false"));
    }

    @Test
    void nonBooleanIsRejected() {
        assertTrue(rejected("encryption_at_rest", "yes").contains("not true or false"));
        assertTrue(rejected("tls_enabled", "1").contains("not true or false"));
    }

    @Test
    void unknownKeyIsRejected() {
        assertEquals("unknown configuration key 'storage_pth'", rejected("storage_pth", "/tmp/x"));
        assertTrue(rejected("daemon.storage_path", "/tmp/x").contains("unknown configuration key"));
    }

    @Test
    void replicaBoundsAreChecked() {
        assertTrue(rejected("min_replicas", "0").contains("replica bounds"));
        assertTrue(rejected("min_replicas", "6", "max_replicas", "5").contains("replica bounds"));
        assertTrue(rejected("max_replicas", "17").contains("replica bounds"));
        assertTrue(rejected("max_replicas", "five").contains("not a whole number"));
    }

    @Test
    void journalAndIntervalsAreChecked() {
        assertTrue(rejected("journal_size", "1M").contains("too small"));
        assertTrue(rejected("journal_size", "lots").startsWith("journal_size:"));
        assertEquals(4L << 20, resolve("journal_size", "4M").journalSizeBytes());
        assertTrue(rejected("checkpoint_interval", "0").contains("must be positive"));
        assertTrue(rejected("health_check_interval", "-5").contains("must be positive"));
        assertTrue(rejected("checkpoint_interval", "5m").contains("not a whole number"));
    }

    @Test
    void reservedSpaceIsAutoASizeOrZero() {
        NodeConfig auto = resolve();
        assertEquals(NodeConfig.AUTO_RESERVE, auto.reservedSpaceBytes());
        assertEquals(64L << 20, auto.reservedSpaceBytes(200L << 20), "5 % of a small disk is raised to 64 MiB");
        assertEquals(100L << 20, auto.reservedSpaceBytes(2000L << 20));
        assertEquals(1L << 30, auto.reservedSpaceBytes(1L << 40), "capped at 1 GiB");
        assertEquals(32L << 20, resolve("reserved_space", "32M").reservedSpaceBytes(1L << 40));
        assertEquals(0, resolve("reserved_space", "0").reservedSpaceBytes(1L << 40));
        assertEquals("auto", auto.toKeyMap().get("reserved_space"));
        assertEquals(32L << 20, resolve("reserved_space", "32M").toInfo().reservedSpaceBytes());
        assertTrue(rejected("reserved_space", "lots").startsWith("reserved_space:"));
    }

    @Test
    void readCacheIsMebibytesFromZeroToTheBound() {
        NodeConfig d = resolve();
        assertEquals(32, d.readCacheMb());
        assertEquals(32L << 20, d.readCacheBytes());
        assertEquals(0, resolve("read_cache_mb", "0").readCacheBytes(), "0 turns the cache off");
        assertEquals(256, resolve("read_cache_mb", " 256 ").toInfo().readCacheMb());
        assertEquals("64", resolve("read_cache_mb", "64").toKeyMap().get("read_cache_mb"));
        assertTrue(rejected("read_cache_mb", "-1").contains("from 0 (off) to 65536"));
        assertTrue(rejected("read_cache_mb", "65537").contains("read_cache_mb 65537 is invalid"));
        assertTrue(rejected("read_cache_mb", "32MB").contains("not a whole number"));
    }

    @Test
    void engineFormatIsAutoLayersOrLogAndAutoKeepsAnExistingRootsFormat(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        NodeConfig d = resolve();
        assertEquals("auto", d.engineFormat());
        Path fresh = dir.resolve("fresh");
        assertEquals(io.galleonfs.engine.StorageFormat.LOG_V1, d.storageFormat(fresh), "a new storage path gets the log store");
        Path layers = dir.resolve("layers");
        io.galleonfs.engine.StorageFormat.record(layers, io.galleonfs.engine.StorageFormat.LAYERS_V1);
        assertEquals(io.galleonfs.engine.StorageFormat.LAYERS_V1, d.storageFormat(layers), "an existing path keeps its format");
        java.nio.file.Files.createDirectories(dir.resolve("legacy").resolve("journal"));
        assertEquals(io.galleonfs.engine.StorageFormat.LAYERS_V1, d.storageFormat(dir.resolve("legacy")),
                "a layer engine root from before the format file is layers");
        NodeConfig log = resolve("engine_format", "log");
        assertEquals(io.galleonfs.engine.StorageFormat.LOG_V1, log.storageFormat(layers), "an explicit format is not guessed");
        assertEquals("log", log.toKeyMap().get("engine_format"));
        assertEquals("log", log.toInfo().engineFormat());
        NodeConfig explicitLayers = resolve("engine_format", "layers");
        assertEquals(io.galleonfs.engine.StorageFormat.LAYERS_V1, explicitLayers.storageFormat(fresh));
        assertEquals("auto", d.toInfo().engineFormat());
        assertEquals("layers", d.withEngineFormat("layers").toInfo().engineFormat());
        assertEquals(d.withEngineFormat("log").toKeyMap().keySet(), d.toKeyMap().keySet());
        assertEquals("engine_format 'btree' is invalid: it must be auto, layers or log", rejected("engine_format", "btree"));
    }

    @Test
    void zoneLabelsAndStoragePathAreChecked() {
        assertTrue(rejected("zone", "  ").contains("zone is empty"));
        assertTrue(rejected("labels", "rack").contains("not KEY=VALUE"));
        assertTrue(rejected("labels", "=x").contains("not KEY=VALUE"));
        assertTrue(rejected("storage_path", " ").contains("storage path is empty"));
        assertEquals(Map.of("rack", "r1", "tier", "ssd"), resolve("labels", "tier = ssd, rack=r1").labels());
    }

    @Test
    void nullValuesKeepTheDefault() {
        Map<String, String> m = new HashMap<>();
        m.put("block_size", null);
        assertEquals(4096, NodeConfig.resolve(m).blockSize());
    }

    // ---- round trip -------------------------------------------------------------------------------------------

    @Test
    void defaultsRoundTrip() {
        NodeConfig c = NodeConfig.resolve(Map.of());
        assertEquals(c, NodeConfig.resolve(c.toKeyMap()));
    }

    @Test
    void everyKeyRoundTrips() {
        NodeConfig c = resolve(
                "storage_path", "/var/lib/galleonfs/../galleonfs",
                "block_size", "65536",
                "bind_address", "0.0.0.0:7080",
                "ipc_address", "[::1]:7090",
                "peer_addresses", "10.0.1.11:8080,[fe80::1]:8080",
                "replication_strategy", "asynchronous",
                "persistence_level", "maximum",
                "mount_point", "/mnt/galleonfs",
                "config_file", "/etc/galleonfs/daemon.conf",
                "zone", "zone-a",
                "labels", "tier=ssd,rack=r1",
                "min_replicas", "2",
                "max_replicas", "7",
                "journal_size", "1G",
                "checkpoint_interval", "60",
                "health_check_interval", "5",
                "auto_join", "false",
                "encryption_at_rest", "false",
                "tls_enabled", "false",
                "auth_required", "false");
        assertEquals(Path.of("/var/lib/galleonfs"), c.storagePath());
        assertEquals(Optional.of(Path.of("/mnt/galleonfs")), c.mountPoint());
        assertEquals(1L << 30, c.journalSizeBytes());
        assertFalse(c.autoJoin());
        Map<String, String> keys = c.toKeyMap();
        assertTrue(NodeConfig.KEYS.containsAll(keys.keySet()));
        assertEquals(c, NodeConfig.resolve(keys));
        assertEquals(keys, NodeConfig.resolve(keys).toKeyMap());
    }

    // ---- NBD over TLS and audit rotation ------------------------------------------------------------------------

    @Test
    void nbdTlsDefaultsToOptionalWithTlsAndOffWithout() {
        assertEquals(NbdTls.OFF, resolve().nbdTls());
        assertEquals(NbdTls.OPTIONAL, resolve("tls_enabled", "true").nbdTls());
        assertEquals(NbdTls.REQUIRE, resolve("tls_enabled", "true", "nbd_tls", "require").nbdTls());
        assertEquals(NbdTls.OFF, resolve("tls_enabled", "true", "nbd_tls", "off").nbdTls());
        assertTrue(rejected("nbd_tls", "require").contains("needs tls_enabled"));
        assertTrue(rejected("tls_enabled", "true", "nbd_tls", "always").contains("expected off, optional or require"));
    }

    @Test
    void auditRotationSettings() {
        NodeConfig c = resolve();
        assertEquals(64L << 20, c.auditMaxFileBytes());
        assertEquals(8, c.auditKeepFiles());
        NodeConfig small = resolve("audit_max_file_mb", "1", "audit_keep_files", "2");
        assertEquals(1L << 20, small.auditMaxFileBytes());
        assertEquals(small, NodeConfig.resolve(small.toKeyMap()));
        assertTrue(rejected("audit_max_file_mb", "0").contains("audit_max_file_mb"));
        assertTrue(rejected("audit_keep_files", "-1").contains("audit_keep_files"));
    }
}
