package io.galleonfs.cli;

import io.galleonfs.api.DaemonAction;
import io.galleonfs.api.DaemonConfigInfo;
import io.galleonfs.api.DaemonStatus;
import io.galleonfs.api.GalleonApi;
import io.galleonfs.api.Sizes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code galleonfs daemon <command>}. */
@Subcommands({DaemonCommand.Status.class, DaemonCommand.Config.class, DaemonCommand.Stop.class, DaemonCommand.Restart.class})
@Command(name = "daemon", description = "Inspect and control the daemon", mixinStandardHelpOptions = true)
public class DaemonCommand {

    @Command(name = "status", description = "Show daemon runtime status", mixinStandardHelpOptions = true)
    static class Status implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            DaemonStatus s = ApiClients.api().daemonStatus();
            Printer.print(System.out, out.format(), s, o -> Printer.fields(o,
                    "Status", "running",
                    "Version", s.version(),
                    "Node ID", s.nodeId(),
                    "PID", s.pid(),
                    "Uptime", formatUptime(s.uptimeSeconds()),
                    "Started", s.startedAt(),
                    "Volumes", s.volumeCount(),
                    "Storage path", s.storagePath(),
                    "Storage used", Sizes.format(s.storageUsedBytes()),
                    "Storage free", Sizes.format(s.storageFreeBytes()) + (s.writesRefused()
                            ? " (FULL: writes refused until space is freed)" : ""),
                    "Storage capacity", Sizes.format(s.storageCapacityBytes()),
                    "Storage reserve", Sizes.format(s.storageReservedBytes()) + " (client writes get 507 below it)",
                    "Provisioned", Sizes.format(s.provisionedBytes())
                            + String.format(java.util.Locale.ROOT, " (overcommit %.2fx)", s.overcommitRatio()),
                    "API (ipc) address", s.ipcAddress(),
                    "Bind address", s.bindAddress()));
        }
    }

    @Command(name = "config", description = "Show daemon configuration", mixinStandardHelpOptions = true)
    static class Config implements Runnable {
        @Mixin
        OutputOption out;

        @Override
        public void run() {
            DaemonConfigInfo c = ApiClients.api().daemonConfig();
            Printer.print(System.out, out.format(), c, o -> Printer.fields(o,
                    "storage_path", c.storagePath(),
                    "block_size", c.blockSize(),
                    "bind_address", c.bindAddress(),
                    "ipc_address", c.ipcAddress(),
                    "peer_addresses", c.peerAddresses(),
                    "replication_strategy", c.replicationStrategy(),
                    "persistence_level", c.persistenceLevel(),
                    "mount_point", c.mountPoint() == null ? "None" : c.mountPoint(),
                    "config_file", c.configFile(),
                    "zone", c.zone(),
                    "labels", c.labels(),
                    "min_replicas", c.minReplicas(),
                    "max_replicas", c.maxReplicas(),
                    "journal_size", Sizes.format(c.journalSizeBytes()),
                    "checkpoint_interval", c.checkpointIntervalSeconds() + "s",
                    "health_check_interval", c.healthCheckIntervalSeconds() + "s",
                    "encryption_at_rest", c.encryptionAtRest(),
                    "nbd_address", c.nbdAddress() == null ? "None" : c.nbdAddress(),
                    "nbd_tls", c.nbdTls() == null ? "off" : c.nbdTls(),
                    "reserved_space", c.reservedSpaceBytes() == null ? "auto" : Sizes.format(c.reservedSpaceBytes()),
                    "read_cache_mb", c.readCacheMb() == null ? "-" : c.readCacheMb() == 0 ? "0 (off)" : c.readCacheMb(),
                    "key_provider", c.keyProvider() == null ? "-" : c.keyProvider(),
                    "engine_format", c.engineFormat() == null ? "-" : c.engineFormat()));
        }
    }

    @Command(name = "stop", description = "Stop the daemon gracefully", mixinStandardHelpOptions = true)
    static class Stop implements Runnable {
        @Option(names = "--timeout", defaultValue = "30", description = "Seconds to wait for the daemon to exit [default: ${DEFAULT-VALUE}]")
        int timeoutSeconds;

        @Override
        public void run() {
            DaemonAction a = ApiClients.api().stopDaemon();
            System.out.println("Stopping daemon (pid " + a.pid() + ")...");
            awaitPortClosed(Duration.ofSeconds(timeoutSeconds));
            System.out.println("Daemon stopped");
        }
    }

    @Command(name = "restart", description = "Restart the daemon with the same configuration", mixinStandardHelpOptions = true)
    static class Restart implements Runnable {
        @Option(names = "--timeout", defaultValue = "60", description = "Seconds to wait for the new daemon [default: ${DEFAULT-VALUE}]")
        int timeoutSeconds;

        @Override
        public void run() {
            GalleonApi api = ApiClients.api();
            long oldPid = api.daemonStatus().pid();
            DaemonAction a = api.restartDaemon();
            System.out.println("Restarting daemon: pid " + oldPid + " stops, pid " + a.pid() + " takes over...");
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
            while (System.nanoTime() < deadline) {
                try {
                    DaemonStatus s = ApiClients.api().daemonStatus();
                    if (s.pid() == a.pid()) {
                        System.out.println("Daemon restarted (pid " + s.pid() + ")");
                        return;
                    }
                } catch (RuntimeException notYet) {
                    // the old daemon is gone and the new one is still starting
                }
                pause();
            }
            throw new ErrorHandler.CliException("the restarted daemon did not answer within " + timeoutSeconds + " s");
        }
    }

    static void awaitPortClosed(Duration timeout) {
        URI uri = ApiClients.baseUri();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 500);
            } catch (IOException closed) {
                return;
            }
            pause();
        }
        throw new ErrorHandler.CliException("the daemon is still answering after " + timeout.toSeconds() + " s");
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrorHandler.CliException("interrupted");
        }
    }

    static String formatUptime(long seconds) {
        return String.format("%dd %02dh %02dm %02ds", seconds / 86400, (seconds / 3600) % 24, (seconds / 60) % 60, seconds % 60);
    }
}
