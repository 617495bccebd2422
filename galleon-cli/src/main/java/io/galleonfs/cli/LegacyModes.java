package io.galleonfs.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The seed's legacy top-level modes, {@code galleonfs --demo-mode [--setup-defaults]} and
 * {@code galleonfs --test-replication}, as options of the top command. Both run their steps through {@link StepRunner}
 * and undo everything through {@link Cleanup}, also on Ctrl-C and on failure. Exit code 0 when every step passed, 1
 * otherwise (with one {@code error:} line on stderr), 2 for a wrong combination of flags.
 */
final class LegacyModes {
    static final int PASSED = 0;
    static final int FAILED = 1;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--demo-mode", description = "Legacy demo: a self-cleaning walkthrough on a temporary node (volumes, data, "
            + "snapshot, clone, FUSE mount), one line per step")
    boolean demoMode;

    @Option(names = "--setup-defaults", description = "With --demo-mode: use the default storage classes fast-local-ssd and "
            + "encrypted-storage (without it the demo creates a class of its own)")
    boolean setupDefaults;

    @Option(names = "--test-replication", description = "Legacy replication self-test: three temporary local nodes, write, kill -9 "
            + "the primary's node, read back, PASS/FAIL; with --daemon-address, a non-destructive check of that running cluster")
    boolean testReplication;

    /** The top command without a subcommand: a legacy mode if one was asked for, else the usual usage error. */
    int run() {
        CommandLine cl = spec.commandLine();
        if (setupDefaults && !demoMode) {
            throw new CommandLine.ParameterException(cl, "--setup-defaults goes with --demo-mode");
        }
        if (demoMode && testReplication) {
            throw new CommandLine.ParameterException(cl, "choose one of --demo-mode and --test-replication");
        }
        boolean addressGiven = cl.getParseResult() != null && cl.getParseResult().hasMatchedOption("--daemon-address");
        if (demoMode) {
            if (addressGiven) {
                throw new CommandLine.ParameterException(cl, "--demo-mode runs a temporary node of its own; it takes no --daemon-address");
            }
            return demo(System.out, System.err);
        }
        if (testReplication) {
            return addressGiven ? replicationOnCluster(System.out, System.err) : replicationLocal(System.out, System.err);
        }
        throw new CommandLine.ParameterException(cl, "Missing required subcommand");
    }

    private int demo(PrintStream out, PrintStream err) {
        return withTempDir("galleonfs-demo-", false, out, err, (dir, cleanup) -> {
            DemoWalkthrough demo = new DemoWalkthrough(setupDefaults, dir, cleanup, DemoWalkthrough::hostFuse);
            out.println("GalleonFS demo" + (setupDefaults ? " with the default storage classes" : "") + ": a temporary node under " + dir
                    + " (removed at the end)");
            StepRunner.Report r = runner(out, LegacyModes::describeLocal).run(demo.steps());
            return new Result(r, "demo complete: all " + r.planned() + " steps passed in " + StepRunner.seconds(r.nanos()));
        });
    }

    private int replicationLocal(PrintStream out, PrintStream err) {
        return withTempDir("galleonfs-replication-", true, out, err, (dir, cleanup) -> {
            ReplicationSelfTest test = new ReplicationSelfTest();
            out.println("GalleonFS replication self-test: three temporary nodes under " + dir + " (removed at the end)");
            StepRunner.Report r = runner(out, LegacyModes::describeLocal).run(test.localSteps(dir, cleanup));
            return new Result(r, r.passed() ? test.passLine(true) : null);
        });
    }

    private int replicationOnCluster(PrintStream out, PrintStream err) {
        String address = GalleonCli.daemonAddress();
        Cleanup cleanup = new Cleanup().onShutdown(err);
        ReplicationSelfTest test = new ReplicationSelfTest();
        out.println("GalleonFS replication check of the cluster at " + address + " (non-destructive: a temporary volume, no node is stopped)");
        StepRunner.Report r;
        try {
            r = runner(out, ErrorHandler::describe).run(test.remoteSteps(address, ApiClients.api(), a -> ApiClients.apiAt(a, 120), cleanup));
        } finally {
            cleanup.run().forEach(f -> err.println("galleonfs: clean-up: " + f));
        }
        return finish(r, r.passed() ? test.passLine(false) : null, true, out, err);
    }

    /** What a run found, and the line to print when it passed. */
    record Result(StepRunner.Report report, String passLine) {
    }

    @FunctionalInterface
    private interface InDir {
        Result run(Path dir, Cleanup cleanup) throws Exception;
    }

    /** Runs {@code body} in a fresh temp directory and undoes everything it did, whatever happens. */
    private int withTempDir(String prefix, boolean failLine, PrintStream out, PrintStream err, InDir body) {
        Path dir;
        try {
            dir = Files.createTempDirectory(prefix).toRealPath();
        } catch (IOException e) {
            err.println("error: cannot create a temporary directory: " + e.getMessage());
            return FAILED;
        }
        Cleanup cleanup = new Cleanup().onShutdown(err);
        // registered first, so they run last: after the nodes have stopped
        cleanup.add("remove " + dir, () -> deleteTree(dir));
        cleanup.add("detach mounts under " + dir, () -> Mounts.detachUnder(dir));
        long t0 = System.nanoTime();
        Result result = null;
        String crash = null;
        try {
            result = body.run(dir, cleanup);
        } catch (Exception | Error e) {
            crash = describeLocal(e);
        } finally {
            List<String> failures = cleanup.run();
            if (failures.isEmpty()) {
                out.println("clean-up: nodes stopped, nothing mounted, " + dir + " removed (" + StepRunner.seconds(System.nanoTime() - t0)
                        + " in all)");
            } else {
                failures.forEach(f -> err.println("galleonfs: clean-up: " + f));
                if (crash == null) {
                    crash = "clean-up failed: " + failures.getFirst();
                }
            }
        }
        if (crash != null) {
            if (failLine) {
                out.println("FAIL: " + crash);
            }
            err.println("error: " + crash);
            return FAILED;
        }
        return finish(result.report(), result.passLine(), failLine, out, err);
    }

    private static int finish(StepRunner.Report r, String pass, boolean failLine, PrintStream out, PrintStream err) {
        if (r.passed() && pass != null) {
            out.println(pass);
            return PASSED;
        }
        if (failLine) {
            out.println("FAIL: " + r.errorLine());
        }
        err.println("error: " + r.errorLine());
        return FAILED;
    }

    private static StepRunner runner(PrintStream out, java.util.function.Function<Throwable, String> describe) {
        return new StepRunner(out, System::nanoTime, describe);
    }

    /**
     * Errors of the nodes this CLI started: a refused connection means the node went away, whatever --daemon-address
     * says (the CLI's usual message names that address).
     */
    static String describeLocal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "a temporary node refused the connection (it is not running): " + t.getMessage();
            }
            if (t instanceof ErrorHandler.CliException) {
                return t.getMessage();
            }
            if (t instanceof ApiException) {
                return ErrorHandler.describe(t);
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
