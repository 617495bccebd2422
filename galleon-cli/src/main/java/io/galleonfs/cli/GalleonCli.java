package io.galleonfs.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code galleonfs <command>}: talks to a daemon's API. {@code galleonfs -d} is routed to the daemon by bin/galleonfs. */
@Command(name = "galleonfs", mixinStandardHelpOptions = true, version = "galleonfs 0.1.0",
        description = "GalleonFS command-line client. Start a daemon with: galleonfs -d")
public class GalleonCli implements Callable<Integer> {

    static final String DEFAULT_ADDRESS = "127.0.0.1:8090";

    /**
     * Plain picocli with no application framework: a CLI call is one short-lived JVM, and every millisecond of start-up
     * is wall time a user waits for (see ARCHITECTURE, "CLI start-up").
     */
    public static void main(String[] args) {
        StartupTrace.mark("main");
        CommandLine cl = commandLine(args);
        StartupTrace.mark("command line built");
        int code = cl.execute(args);
        StartupTrace.mark("command done");
        StartupTrace.print(System.err);
        System.exit(code);
    }

    /** Every top-level command, in the order help lists them. */
    static final List<Class<?>> COMMANDS = List.of(VolumeCommand.class, SnapshotCommand.class, StorageClassCommand.class, ClusterCommand.class, DaemonCommand.class, BenchCommand.class, TokenCommand.class, TopVolumesCommand.class, BackupTargetCommand.class, BackupCommand.class, JobCommand.class, PolicyCommand.class, AuditCommand.class, QosPolicyCommand.class, KeyCommand.class, NodeCommand.class, StorageCommand.class, CompletionCommand.class);

    /** The whole command tree (help, completion, tests). */
    static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}, with the error handlers every CLI call uses (one readable line, never a stack
     * trace). Only the commands {@code args} name are built ({@link CommandTree}): picocli's annotation scan of the
     * whole tree was most of a call's start-up.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new GalleonCli());
        StartupTrace.mark("root command built");
        CommandTree.addSubcommands(cl, COMMANDS, args, 0);
        cl.setExecutionExceptionHandler(new ErrorHandler());
        cl.setParameterExceptionHandler((ex, given) -> {
            ex.getCommandLine().getErr().println("error: " + ex.getMessage() + " (see --help)");
            return 2;
        });
        return cl;
    }

    /** The seed's legacy modes: --demo-mode [--setup-defaults], --test-replication. */
    @Mixin
    LegacyModes legacy;

    /** No subcommand: a legacy mode, else picocli's "Missing required subcommand". */
    @Override
    public Integer call() {
        return legacy.run();
    }

    private static volatile String daemonAddress;
    private static volatile String token;

    /** A setter writing a static, so the inherited option works at any level: galleonfs --daemon-address A volume list. */
    @Option(names = "--daemon-address", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT",
            description = "Address of the daemon's API (default: the current context of ~/.config/galleonfs/config.toml, else "
                    + DEFAULT_ADDRESS + ")")
    void setDaemonAddress(String address) {
        daemonAddress = address;
    }

    /** Not echoed anywhere; prefer GALLEONFS_TOKEN or the config file, which stay out of the process list. */
    @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN",
            description = "API token (default: $GALLEONFS_TOKEN, else the current context's token, else this host's daemon's admin token)")
    void setToken(String value) {
        token = value;
    }

    private static volatile String caCert;

    @Option(names = "--ca-cert", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Cluster CA certificate (PEM) to verify a daemon serving HTTPS; giving one means HTTPS (default: "
                    + "$GALLEONFS_CA_CERT, else the current context's ca_cert, else this host's daemon's <storage>/tls/ca.crt)")
    void setCaCert(String file) {
        caCert = file;
    }

    static String caCert() {
        return caCert;
    }

    static String daemonAddress() {
        String a = daemonAddress;
        if (a == null || a.isBlank()) {
            a = Credentials.fromEnvironment().contextAddress().orElse(DEFAULT_ADDRESS);
            daemonAddress = a;
        }
        return a;
    }

    static String token() {
        return token;
    }
}
