package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seed's legacy modes run for real through bin/galleonfs, as the seed writes them: {@code --demo-mode
 * --setup-defaults}, {@code --demo-mode}, {@code --test-replication} (three temporary nodes, one killed) and
 * {@code --test-replication --daemon-address} (a running cluster, left running); each must pass and leave no process,
 * mount or temp directory behind, also when interrupted with Ctrl-C. Plus the completion script.
 */
class LegacyModesIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path LAUNCHER = ROOT.resolve("bin/galleonfs");
    private static final Pattern TEMP_DIR = Pattern.compile(" under (/\\S+) \\(removed at the end\\)");

    private final List<Process> started = new ArrayList<>();
    private ClusterHarness cluster;

    @BeforeEach
    void requireBuild() {
        // The launcher builds when a jar is missing; here both come from this build, or the test does not apply.
        assumeTrue(Files.isRegularFile(ROOT.resolve("galleon-node/target/quarkus-app/quarkus-run.jar"))
                && Files.isRegularFile(ROOT.resolve("galleon-cli/target/cli-app/galleonfs-cli.jar")), "jars not built in " + ROOT);
    }

    @AfterEach
    void tearDown() {
        started.forEach(p -> {
            p.destroyForcibly();
            p.onExit().join();
        });
        if (cluster != null) {
            cluster.close();
        }
    }

    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private ProcessBuilder launcher(String... args) {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("GALLEON_JAR_DIR");
        pb.environment().remove("GALLEON_NODE_JAVA_OPTS");
        pb.environment().remove("GALLEONFS_TOKEN");
        return pb;
    }

    private Run run(ProcessBuilder pb) throws Exception {
        Process p = pb.start();
        started.add(p);
        var out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "timed out: " + pb.command());
        Run r = new Run(p.exitValue(), out.join(), err.join());
        if (pb.command().getFirst().equals(LAUNCHER.toString())) {
            System.out.println("$ galleonfs " + String.join(" ", pb.command().subList(1, pb.command().size())) + "\n" + r.out());
        }
        return r;
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path tempDirOf(String out) {
        Matcher m = TEMP_DIR.matcher(out);
        assertTrue(m.find(), "no temp directory named in: " + out);
        return Path.of(m.group(1));
    }

    /** Nothing of the run is left: no directory, no process started with a path in it, no mount under it. */
    private static void assertNothingLeft(Path dir) throws IOException {
        assertFalse(Files.exists(dir), dir + " still exists");
        List<String> procs = new ArrayList<>();
        try (Stream<Path> pids = Files.list(Path.of("/proc"))) {
            for (Path p : pids.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    if (cmdline.contains(dir.toString())) {
                        procs.add(p.getFileName() + ": " + cmdline);
                    }
                } catch (IOException gone) {
                    // the process ended while we looked
                }
            }
        }
        assertEquals(List.of(), procs, "processes left behind");
        assertEquals(List.of(), Files.readAllLines(Path.of("/proc/self/mounts")).stream().filter(l -> l.contains(dir.toString())).toList(),
                "mounts left behind");
    }

    private static void assertEveryStepPassed(Run r) {
        List<String> steps = r.out().lines().filter(l -> l.matches("\\[\\s*\\d+/\\d+\\] .*")).toList();
        assertFalse(steps.isEmpty(), r.toString());
        steps.forEach(l -> assertTrue(l.matches("\\[\\s*\\d+/\\d+\\] .{36} (ok  |skip) +\\d+\\.\\d\\d s .*"), "step line: " + l + "\n" + r));
    }

    @Test
    void demoModeWithSetupDefaultsWalksThroughEveryStepAndCleansUp() throws Exception {
        Run r = run(launcher("--demo-mode", "--setup-defaults"));

        assertEquals(0, r.exit(), r.toString());
        assertEveryStepPassed(r);
        assertTrue(r.out().contains("default storage classes") && r.out().contains("fast-local-ssd (unencrypted, 1 copy")
                && r.out().contains("encrypted-storage (AES-256-GCM, 3 copies"), r.toString());
        assertTrue(r.out().contains("create volume secure-data"), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.contains("clone the snapshot") && l.contains(" ok ") && l.contains("matches")), r.toString());
        if (DemoWalkthrough.hostFuse().isEmpty()) {
            assertTrue(r.out().lines().anyMatch(l -> l.contains("mount the clone (FUSE)") && l.contains(" ok ")), r.toString());
        } else {
            assertTrue(r.out().lines().anyMatch(l -> l.contains("mount the clone (FUSE)") && l.contains(" skip ")), r.toString());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.matches("demo complete: all 14 steps passed in .*")), r.toString());
        assertEquals("", r.err(), r.toString());
        assertNothingLeft(tempDirOf(r.out()));
    }

    @Test
    void demoModeWithoutSetupDefaultsUsesAClassOfItsOwn() throws Exception {
        Run r = run(launcher("--demo-mode"));

        assertEquals(0, r.exit(), r.toString());
        assertEveryStepPassed(r);
        assertTrue(r.out().contains("create storage class demo-local"), r.toString());
        assertTrue(r.out().contains("web-data: 64M, class demo-local"), r.toString());
        assertFalse(r.out().contains("secure-data"), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("demo complete: all 12 steps passed in .*")), r.toString());
        assertNothingLeft(tempDirOf(r.out()));
    }

    @Test
    void testReplicationKillsThePrimarysNodeAndReadsEverythingBack() throws Exception {
        Run r = run(launcher("--test-replication"));

        assertEquals(0, r.exit(), r.toString());
        assertEveryStepPassed(r);
        String pass = r.out().lines().filter(l -> l.startsWith("PASS: ")).findFirst().orElseThrow(() -> new AssertionError(r.toString()));
        assertTrue(pass.matches("PASS: replication self-test: 8\\.0 MiB written at [\\d.]+ MB/s to 3 copies; node\\d .*killed with SIGKILL; "
                + "read back through node\\d [\\d.]+ s after the kill; 8388608 bytes verified"), pass);
        System.out.println("FIGURE legacy-test-replication " + pass);
        assertNothingLeft(tempDirOf(r.out()));
    }

    @Test
    void testReplicationOnARunningClusterHarmsNoNode() throws Exception {
        cluster = new ClusterHarness();
        // two nodes keep the test short; the check then places 2 copies (min(3, members up))
        List<ClusterHarness.Node> nodes = cluster.startCluster(2);
        ClusterHarness.Node entry = nodes.get(1);
        ProcessBuilder pb = launcher("--daemon-address", entry.ipc(), "--test-replication");
        pb.environment().put("GALLEONFS_TOKEN", cluster.token(entry));

        long t0 = System.nanoTime();
        Run r = run(pb);
        System.out.printf("FIGURE legacy-test-replication-remote s=%.1f (cluster start not included)%n", (System.nanoTime() - t0) / 1e9);

        assertEquals(0, r.exit(), r.toString());
        assertEveryStepPassed(r);
        // 8 MiB read back through each of the 2 nodes holding a copy
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("PASS: replication check: 8.0 MiB written at")
                && l.contains("; 16777216 bytes verified;")), r.toString());
        assertTrue(r.out().contains("2048 blocks compared across 2 copies, all equal"), r.toString());
        nodes.forEach(n -> assertTrue(n.alive(), n + " was stopped"));
        assertEquals(List.of(), cluster.volumeNames(entry), "the temporary volume was deleted");
    }

    @Test
    void ctrlCStopsTheNodeAndRemovesEverything() throws Exception {
        Process p = launcher("--demo-mode", "--setup-defaults").redirectErrorStream(true).start();
        started.add(p);
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                    lines.add(l);
                }
            } catch (IOException ended) {
                // the process is gone
            }
        });
        StringBuilder seen = new StringBuilder();
        Path dir = null;
        // wait until the node is up: from there on the node, its storage and its ports exist
        while (true) {
            String l = lines.poll(120, TimeUnit.SECONDS);
            assertTrue(l != null, "no progress: " + seen);
            seen.append(l).append('\n');
            if (dir == null && TEMP_DIR.matcher(l).find()) {
                dir = tempDirOf(l);
            }
            if (l.matches("\\[\\s*1/\\d+\\] start a node .*")) {
                assertTrue(l.contains(" ok "), seen.toString());
                break;
            }
        }
        assertTrue(Files.isDirectory(dir), dir.toString());

        // the launcher execs java: this pid is the CLI's JVM; SIGINT is what Ctrl-C sends it
        assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running after SIGINT: " + seen);
        reader.join(10_000);
        lines.forEach(l -> seen.append(l).append('\n'));

        assertTrue(seen.toString().contains("interrupted, cleaning up"), seen.toString());
        assertTrue(p.exitValue() != 0, "exit " + p.exitValue());
        assertNothingLeft(dir);
    }

    @Test
    void aFailedStepEndsWithExitOneOneErrorLineAndNothingLeft() throws Exception {
        ProcessBuilder pb = launcher("--demo-mode", "--setup-defaults");
        pb.environment().put("GALLEON_NODE_JAVA_OPTS", "-XX:+NoSuchOptionForThisTest");

        Run r = run(pb);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\[ 1/14\\] start a node .* FAIL .*")), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertTrue(r.err().startsWith("error: step 1/14 'start a node' failed: node exited with code 1 during start-up: ")
                && r.err().contains("NoSuchOptionForThisTest"), r.toString());
        assertFalse(r.out().contains("demo complete"), r.toString());
        assertNothingLeft(tempDirOf(r.out()));
    }

    @Test
    void wrongCombinationsAreRefusedWithOneLine() throws Exception {
        Run alone = run(launcher("--setup-defaults"));
        assertEquals(2, alone.exit(), alone.toString());
        assertEquals("error: --setup-defaults goes with --demo-mode (see --help)", alone.err().strip());

        Run both = run(launcher("--demo-mode", "--test-replication"));
        assertEquals(2, both.exit(), both.toString());
        assertEquals(1, both.err().strip().lines().count(), both.toString());

        Run withAddress = run(launcher("--daemon-address", "127.0.0.1:9", "--demo-mode"));
        assertEquals(2, withAddress.exit(), withAddress.toString());
        assertEquals("error: --demo-mode runs a temporary node of its own; it takes no --daemon-address (see --help)", withAddress.err().strip());

        Run none = run(launcher());
        assertEquals(2, none.exit(), none.toString());
        assertEquals("error: Missing required subcommand (see --help)", none.err().strip());
    }

    @Test
    void bashCompletionScriptIsValidAndCompletesSubcommands() throws Exception {
        Path script = Files.createTempFile("galleonfs-completion", ".bash");
        try {
            Run gen = run(launcher("completion", "bash").redirectOutput(script.toFile()));
            assertEquals(0, gen.exit(), gen.toString());
            assertEquals(0, run(new ProcessBuilder("bash", "-n", script.toString())).exit(), "bash -n");

            Run vol = run(new ProcessBuilder("bash", "-c", "source " + script + "; COMP_WORDS=(galleonfs vol); COMP_CWORD=1; "
                    + "COMP_LINE='galleonfs vol'; COMP_POINT=${#COMP_LINE}; _complete_galleonfs 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\""));
            assertEquals(List.of("volume"), vol.out().lines().toList(), vol.toString());
            Run demo = run(new ProcessBuilder("bash", "-c", "source " + script + "; COMP_WORDS=(galleonfs --demo); COMP_CWORD=1; "
                    + "COMP_LINE='galleonfs --demo'; COMP_POINT=${#COMP_LINE}; _complete_galleonfs 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\""));
            assertEquals(List.of("--demo-mode"), demo.out().lines().toList(), demo.toString());

            Run zsh = run(launcher("completion", "zsh"));
            assertEquals(0, zsh.exit(), zsh.toString());
            assertTrue(zsh.out().contains("bashcompinit") && zsh.out().contains("complete -F _complete_galleonfs"), zsh.out());
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
