package io.galleonfs.node.daemon;

import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.config.NodeConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks that the machine can honour a configuration before anything starts, so that a bad flag ends the daemon with
 * one readable line instead of a stack trace halfway through start-up.
 */
public final class Preflight {
    private Preflight() {
    }

    /** @throws IllegalArgumentException with one readable line */
    public static void check(NodeConfig cfg) {
        requireWritableDirectory("storage path", cfg.storagePath());
        requireReadableEngineFormat(cfg.storagePath().resolve("engine"), storageFormat(cfg));
        requireLogStoreBlockSize(cfg.storagePath().resolve("engine"), cfg.blockSize());
        cfg.mountPoint().ifPresent(p -> requireWritableDirectory("mount point", p));
        requireFreePort("ipc address", cfg.ipcAddress());
        requireFreePort("bind address", cfg.bindAddress());
        cfg.nbdAddress().ifPresent(a -> requireFreePort("nbd address", a));
        requireFreePort("data-plane address (bind port + " + io.galleonfs.node.replication.ReplicationService.DATA_PORT_OFFSET + ")",
                io.galleonfs.node.replication.ReplicationService.dataAddressFor(cfg.bindAddress()));
    }

    /** The format the node will open its engine root in ({@code auto}: the recorded one, log for a new root). */
    static String storageFormat(NodeConfig cfg) {
        Path engineRoot = cfg.storagePath().resolve("engine");
        try {
            return cfg.storageFormat(engineRoot);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /** The engine root is in a format this build reads and in the configured one (else: how to convert, one line). */
    static void requireReadableEngineFormat(Path engineRoot, String wanted) {
        try {
            io.galleonfs.engine.StorageFormat.check(engineRoot, wanted);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /**
     * A log-format engine root has one block size for all its volumes (the layer engine keeps one per volume, so there a
     * new block_size only applies to new volumes): another configured block size is one line, not a failed open.
     */
    static void requireLogStoreBlockSize(Path engineRoot, int blockSize) {
        try {
            if (!io.galleonfs.engine.StorageFormat.LOG_V1.equals(io.galleonfs.engine.StorageFormat.of(engineRoot))) {
                return;
            }
            java.util.OptionalInt recorded = io.galleonfs.engine.lsm.LogEngine.recordedBlockSize(engineRoot);
            if (recorded.isPresent() && recorded.getAsInt() != blockSize) {
                throw new IllegalArgumentException("engine storage " + engineRoot + " (format log-v1) holds volumes of block size "
                        + recorded.getAsInt() + " but block_size = " + blockSize + " is configured: a log-format storage path has"
                        + " one block size; set block_size = " + recorded.getAsInt());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("engine storage " + engineRoot + " cannot be read: " + e.getMessage());
        }
    }

    static void requireWritableDirectory(String what, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " " + dir + " cannot be created: " + reason(e));
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(what + " " + dir + " is not a directory");
        }
        try {
            Path probe = Files.createTempFile(dir, ".write-probe", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " " + dir + " is not writable: " + reason(e));
        }
    }

    static void requireFreePort(String what, HostPort address) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(address.host(), address.port()));
        } catch (BindException e) {
            throw new IllegalArgumentException(what + " " + address + " cannot be used: " + reason(e)
                    + " (is another daemon running? pick another port)");
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(what + " " + address + " has an unknown host");
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " " + address + " cannot be bound: " + reason(e));
        }
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
