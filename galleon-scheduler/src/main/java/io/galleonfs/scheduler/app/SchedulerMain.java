package io.galleonfs.scheduler.app;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Entry point of {@code galleonfs-scheduler --cluster ADDR[,ADDR...] --token-file F [--listen HOST:PORT] [--id ID]
 * [--tick-ms N] [--lease-seconds N]}. Flags are checked before Quarkus starts, so a bad one ends the process with one
 * line on stderr and exit code 2.
 */
@QuarkusMain
public final class SchedulerMain {
    static final String USAGE = "usage: galleonfs-scheduler --cluster HOST:PORT[,HOST:PORT...] --token-file FILE"
            + " [--listen HOST:PORT (health and metrics, default 127.0.0.1:8095)] [--id ID] [--tick-ms MS (default 250)]"
            + " [--lease-seconds S (default 15)] [--refresh-seconds S (re-read policies when idle, default 5)]"
            + " [--prune-minutes M (retention sweep of every policy, default 60)]";

    private SchedulerMain() {
    }

    public static void main(String... args) {
        try {
            apply(args);
        } catch (IllegalArgumentException e) {
            System.err.println("galleonfs-scheduler: " + e.getMessage());
            System.exit(2);
        }
        Quarkus.run();
    }

    static void apply(String... args) {
        String cluster = null;
        String tokenFile = null;
        String listen = "127.0.0.1:8095";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("flag " + a + " needs a value; " + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--cluster" -> cluster = v;
                case "--token-file" -> tokenFile = v;
                case "--listen" -> listen = v;
                case "--id" -> System.setProperty("galleon.scheduler.id", v);
                case "--tick-ms" -> System.setProperty("galleon.scheduler.tick-ms", Integer.toString(positive(a, v)));
                case "--lease-seconds" -> System.setProperty("galleon.scheduler.lease-seconds", Integer.toString(positive(a, v)));
                case "--refresh-seconds" -> System.setProperty("galleon.scheduler.refresh-seconds", Integer.toString(positive(a, v)));
                case "--prune-minutes" -> System.setProperty("galleon.scheduler.prune-minutes", Integer.toString(positive(a, v)));
                default -> throw new IllegalArgumentException("unknown flag " + a + "; " + USAGE);
            }
        }
        if (cluster == null || tokenFile == null) {
            throw new IllegalArgumentException("--cluster and --token-file are required; " + USAGE);
        }
        List<String> addresses = new ArrayList<>();
        for (String addr : cluster.split(",")) {
            addresses.add(hostPort("--cluster", addr.trim()));
        }
        String token;
        try {
            token = Files.readString(Path.of(tokenFile)).trim();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the token file " + tokenFile + ": " + e.getMessage());
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the token file " + tokenFile + " is empty");
        }
        String l = hostPort("--listen", listen);
        System.setProperty("galleon.scheduler.cluster", String.join(",", addresses));
        System.setProperty("galleon.scheduler.token-file", tokenFile);
        System.setProperty("quarkus.http.host", l.substring(0, l.lastIndexOf(':')));
        System.setProperty("quarkus.http.port", l.substring(l.lastIndexOf(':') + 1));
    }

    private static int positive(String flag, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " must be a positive whole number, got '" + v + "'");
    }

    private static String hostPort(String flag, String v) {
        int colon = v.lastIndexOf(':');
        if (colon <= 0 || colon == v.length() - 1) {
            throw new IllegalArgumentException(flag + " '" + v + "' is not HOST:PORT");
        }
        int port = positive(flag + " port", v.substring(colon + 1));
        if (port > 65535) {
            throw new IllegalArgumentException(flag + " port " + port + " is above 65535");
        }
        return v;
    }
}
