package io.galleonfs.cli;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code galleonfs <command>}: talks to a daemon's API. {@code galleonfs -d} is routed to the daemon by bin/galleonfs. */
@TopCommand
@Command(name = "galleonfs", mixinStandardHelpOptions = true, version = "galleonfs 0.1.0",
        description = "GalleonFS command-line client. Start a daemon with: galleonfs -d",
        subcommands = {VolumeCommand.class, SnapshotCommand.class, StorageClassCommand.class, ClusterCommand.class, DaemonCommand.class,
            BenchCommand.class, TopVolumesCommand.class})
public class GalleonCli {

    private static volatile String daemonAddress = "127.0.0.1:8090";

    /** A setter writing a static, so the inherited option works at any level: galleonfs --daemon-address A volume list. */
    @Option(names = "--daemon-address", scope = ScopeType.INHERIT, defaultValue = "127.0.0.1:8090", paramLabel = "HOST:PORT",
            description = "Address of the daemon's API (default ${DEFAULT-VALUE})")
    void setDaemonAddress(String address) {
        daemonAddress = address;
    }

    static String daemonAddress() {
        return daemonAddress;
    }
}
