package io.galleonfs.node.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.config.NodeConfig;
import io.galleonfs.node.config.PersistenceLevel;
import io.galleonfs.node.config.ReplicationStrategy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Precedence of the daemon's configuration sources: defaults, then the TOML file, then flags. */
class GalleonNodeMainResolveTest {

    @TempDir
    Path dir;

    private Path seedConfig() throws IOException {
        Path f = dir.resolve("daemon.conf");
        try (InputStream in = getClass().getResourceAsStream("/seed/daemon.conf")) {
            Files.write(f, in.readAllBytes());
        }
        return f;
    }

    private static DaemonFlags parse(String... args) {
        DaemonFlags flags = new DaemonFlags();
        new CommandLine(flags).parseArgs(args);
        return flags;
    }

    @Test
    void withoutFileOrFlagsTheDefaultsApply() {
        NodeConfig c = GalleonNodeMain.resolve(parse("-d"));
        assertEquals(NodeConfig.resolve(Map.of()), c);
    }

    @Test
    void fileValuesApplyWhenNoFlagOverridesThem() throws IOException {
        Path file = seedConfig();
        NodeConfig c = GalleonNodeMain.resolve(parse("-d", "--config", file.toString()));
        assertEquals(Path.of("/var/lib/galleonfs"), c.storagePath());
        assertEquals(new HostPort("0.0.0.0", 8080), c.bindAddress());
        assertEquals(new HostPort("127.0.0.1", 8090), c.ipcAddress());
        assertEquals(PersistenceLevel.HIGH, c.persistenceLevel());
        assertEquals(2, c.minReplicas());
        assertEquals(Optional.of(file.toAbsolutePath().normalize()), c.configFile());
    }

    @Test
    void flagsOverrideTheFile() throws IOException {
        Path file = seedConfig();
        Path storage = dir.resolve("storage");
        NodeConfig c = GalleonNodeMain.resolve(parse(
                "-d",
                "--config", file.toString(),
                "--storage-path", storage.toString(),
                "--block-size", "8192",
                "--bind-address", "127.0.0.1:7080",
                "--ipc-address", "127.0.0.1:7090",
                "--peer-addresses", "10.0.9.1:8080",
                "--replication-strategy", "asynchronous",
                "--persistence-level", "basic",
                "--mount-point", dir.resolve("mnt").toString(),
                "--zone", "zone-b",
                "--labels", "tier=ssd"));
        assertEquals(storage, c.storagePath());
        assertEquals(8192, c.blockSize());
        assertEquals(new HostPort("127.0.0.1", 7080), c.bindAddress());
        assertEquals(new HostPort("127.0.0.1", 7090), c.ipcAddress());
        assertEquals(List.of(new HostPort("10.0.9.1", 8080)), c.peerAddresses());
        assertEquals(ReplicationStrategy.ASYNCHRONOUS, c.replicationStrategy());
        assertEquals(PersistenceLevel.BASIC, c.persistenceLevel());
        assertEquals(Optional.of(dir.resolve("mnt")), c.mountPoint());
        assertEquals("zone-b", c.zone());
        assertEquals(Map.of("tier", "ssd"), c.labels());
        // keys no flag exists for still come from the file
        assertEquals(2, c.minReplicas());
        assertEquals(5, c.maxReplicas());
        assertEquals(256L << 20, c.journalSizeBytes());
    }

    @Test
    void aSingleFlagOverridesOnlyItsKey() throws IOException {
        NodeConfig fileOnly = GalleonNodeMain.resolve(parse("--config", seedConfig().toString()));
        NodeConfig overridden = GalleonNodeMain.resolve(parse("--config", seedConfig().toString(), "--persistence-level", "maximum"));
        assertEquals(PersistenceLevel.MAXIMUM, overridden.persistenceLevel());
        Map<String, String> expected = fileOnly.toKeyMap();
        expected.put("persistence_level", "maximum");
        assertEquals(expected, overridden.toKeyMap());
    }

    @Test
    void flagThatCollidesWithTheFileIsRejected() throws IOException {
        // the file binds 0.0.0.0:8080; giving the same ipc address makes them collide
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GalleonNodeMain.resolve(parse("--config", seedConfig().toString(), "--ipc-address", "0.0.0.0:8080")));
        assertTrue(e.getMessage().contains("must differ"), e.getMessage());
    }

    @Test
    void badFileIsReportedBeforeFlags() throws IOException {
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "[daemon]\nstorage_pth = \"/x\"\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GalleonNodeMain.resolve(parse("--config", bad.toString(), "--block-size", "8192")));
        assertTrue(e.getMessage().contains("unknown key [daemon] storage_pth"), e.getMessage());
    }

    @Test
    void missingFileIsReported() {
        Path missing = dir.resolve("missing.conf");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GalleonNodeMain.resolve(parse("--config", missing.toString())));
        assertTrue(e.getMessage().startsWith("cannot read config file"), e.getMessage());
    }

    @Test
    void badFlagValueIsReported() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GalleonNodeMain.resolve(parse("--block-size", "1000")));
        assertTrue(e.getMessage().contains("block size 1000 is invalid"), e.getMessage());
    }

    @Test
    void unknownFlagIsAPicocliError() {
        assertThrows(CommandLine.UnmatchedArgumentException.class, () -> parse("--storage-pth", "/x"));
    }
}
