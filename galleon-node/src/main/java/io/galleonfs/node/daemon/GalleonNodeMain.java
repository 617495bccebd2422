package io.galleonfs.node.daemon;

import io.galleonfs.node.config.NodeConfig;
import io.galleonfs.node.config.TomlConfigFile;
import io.galleonfs.node.ingress.IngressLimits;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * Entry point of {@code galleonfs -d}. Resolves and validates the whole configuration (defaults, then the TOML file,
 * then flags) before Quarkus starts, so a bad value ends the process with one line on stderr and exit code 2.
 */
@QuarkusMain
public final class GalleonNodeMain {

    private GalleonNodeMain() {
    }

    public static void main(String... args) {
        nettyDefaults();
        try {
            DaemonFlags flags = new DaemonFlags();
            CommandLine cl = new CommandLine(flags);
            CommandLine.ParseResult parsed = cl.parseArgs(args);
            if (parsed.isUsageHelpRequested()) {
                cl.usage(System.out);
                return;
            }
            if (parsed.isVersionHelpRequested()) {
                cl.printVersionHelp(System.out);
                return;
            }
            NodeConfig cfg = resolve(flags);
            boolean tls = NodeConfig.tlsEnabled(merged(flags));
            // Read again by the listeners (io.galleonfs.node.ingress.Ingress); a bad override fails here with one line.
            IngressLimits.from(System::getProperty, Runtime.getRuntime().maxMemory());
            awaitPredecessor();
            Preflight.check(cfg);
            StorageLock.acquire(cfg.storagePath());
            LaunchArgs.remember(args);
            if (!OutOfMemoryPolicy.active()) {
                System.err.println("galleonfs: warning: the JVM was started without " + OutOfMemoryPolicy.FLAG
                        + "; after an OutOfMemoryError this daemon may stay alive without serving (bin/galleonfs adds the flag)");
            }
            cfg.toKeyMap().forEach((k, v) -> System.setProperty(NodeConfig.PROPERTY_PREFIX + k, v));
            System.setProperty("quarkus.http.host", cfg.ipcAddress().host());
            System.setProperty("quarkus.http.port", Integer.toString(cfg.ipcAddress().port()));
            String joinToken = flags.joinToken() != null ? flags.joinToken() : System.getenv("GALLEONFS_JOIN_TOKEN");
            io.galleonfs.node.tls.ApiTls.configure(cfg, tls, io.galleonfs.node.auth.JoinCredential.parse(joinToken));
            if (flags.joinToken() != null) {
                System.setProperty(NodeRuntime.JOIN_TOKEN_PROPERTY, flags.joinToken());
            }
        } catch (CommandLine.ParameterException e) {
            fail(e.getMessage() + " (see galleonfs -d --help)");
        } catch (IllegalArgumentException | IllegalStateException | IOException e) {
            fail(e.getMessage());
        }
        Quarkus.run(args);
    }

    /**
     * Netty's pooled allocator caches, per thread, buffers up to 32 KiB; a socket's receive buffer grows to 64 KiB under
     * load (NBD at queue depth 32, data-plane frames), so every read took one from the shared arena and gave it back, and
     * the arena's 4 MiB chunks were freed and allocated (and zeroed) again and again: 3–5 % of an event loop's CPU
     * (BENCHMARKS.md, "The 4 KiB write path's CPU, and what bounds 1 MiB and durable writes"). Set before any Netty
     * class loads; a value given on the command line wins.
     */
    static void nettyDefaults() {
        if (System.getProperty("io.netty.allocator.maxCachedBufferCapacity") == null) {
            System.setProperty("io.netty.allocator.maxCachedBufferCapacity", Integer.toString(64 * 1024));
        }
    }

    static NodeConfig resolve(DaemonFlags flags) {
        return NodeConfig.resolve(merged(flags));
    }

    static Map<String, String> merged(DaemonFlags flags) {
        Map<String, String> merged = new LinkedHashMap<>();
        Optional.ofNullable(flags.configFile()).map(Path::of).ifPresent(f -> merged.putAll(TomlConfigFile.read(f)));
        merged.putAll(flags.givenKeys());
        return merged;
    }

    /** A successor started by {@code daemon restart} waits until its predecessor has released ports and locks. */
    private static void awaitPredecessor() {
        String pid = System.getenv(LaunchArgs.WAIT_FOR_PID_ENV);
        if (pid == null || pid.isBlank()) {
            return;
        }
        ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(p -> {
            try {
                p.onExit().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                fail("the previous daemon (pid " + pid + ") did not exit within 60 s; restart aborted");
            }
        });
    }

    private static void fail(String message) {
        System.err.println("galleonfs: " + message);
        System.exit(2);
    }
}
