package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real headless Chromium against a real daemon: galleon-admin-ui/src/test/browser/dashboard.mjs
 * (playwright-core driving /usr/bin/chromium) logs in, works the pages, probes CSRF, cross-site and role refusals and runs
 * axe-core on every page it visits (a serious or critical violation fails);
 * this test starts the daemon, runs the script and judges its exit code and its per-step output. Screenshots of each
 * page land in target/dashboard-screenshots.
 */
class DashboardBrowserIT {
    private static final Path BROWSER_TESTS = Path.of("../galleon-admin-ui/src/test/browser").toAbsolutePath().normalize();
    private static final Path CHROMIUM = Path.of(System.getProperty("galleon.it.chromium", "/usr/bin/chromium"));

    private Path dir;
    private NodeProcess node;
    private Process script;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-dashboard");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (script != null && script.isAlive()) {
            script.descendants().forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
            script.onExit().join();
        }
        if (node != null) {
            node.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void dashboardWorksInARealBrowser() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is missing: apt-get install chromium (.ci/run does)");
        for (String pkg : List.of("playwright-core", "@axe-core/playwright")) {
            assertTrue(Files.isDirectory(BROWSER_TESTS.resolve("node_modules").resolve(pkg)),
                    pkg + " is not installed: npm ci --prefix galleon-admin-ui/src/test/browser (.ci/run does)");
        }
        String nbd = "127.0.0.1:" + NodeProcess.freePort();
        node = new NodeProcess(dir.resolve("node"), List.of("--nbd-address", nbd)).start();
        Path shots = Path.of("target/dashboard-screenshots").toAbsolutePath();
        Path output = dir.resolve("dashboard.out");
        ProcessBuilder pb = new ProcessBuilder("node", "dashboard.mjs").directory(BROWSER_TESTS.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("GALLEON_URL", "http://" + node.ipcAddress);
        pb.environment().put("GALLEON_ADMIN_TOKEN", node.bearerToken().substring("Bearer ".length()));
        pb.environment().put("SCREENSHOT_DIR", shots.toString());
        pb.environment().put("GALLEON_NBD", nbd);
        Path backups = Files.createDirectories(dir.resolve("backups"));
        pb.environment().put("GALLEON_BACKUP_DIR", backups.toString());
        pb.environment().put("CHROMIUM", CHROMIUM.toString());
        script = pb.start();
        boolean ended = script.waitFor(5, TimeUnit.MINUTES);
        String out = Files.readString(output);
        assertTrue(ended, "the browser script did not finish within 5 minutes:\n" + out);
        assertEquals(0, script.exitValue(), out);
        // nbdcopy (libnbd-bin, installed by .ci/run) writes through the node's NBD server while the page watches.
        for (String step : List.of("ok the first load of /ui transfers at most 300 KB", "ok a wrong token shows the node's reason", "ok admin logs in and sees the overview with the node",
                "ok the overview chart receives live points", "ok the volume and overview charts move with real writes (NBD)",
                "ok take a snapshot, expand, then clone it", "ok a change without the CSRF header is refused",
                "ok a cross-site form POST is refused", "ok delete a volume only after typing its name",
                "ok add a directory backup target, back up a volume, watch the job finish and restore it",
                "ok cancel a running backup from the backups page",
                "ok create a QoS policy and assign it to a volume",
                "ok create a policy from pasted YAML, see the node's reason for a bad cron, then edit it",
                "ok suspend and resume a policy, run it now and read its history",
                "ok admin creates a viewer token on the tokens page and a storage class from pasted YAML",
                "ok admin reads the audit log with its filters", "ok log out ends the session", "ok a viewer sees no destructive buttons and the API refuses a forged delete",
                "ok a viewer sees backups, policies and QoS without any changing button, and no audit log",
                "ok every page rendered without script errors, CSP violations or foreign requests",
                "ok axe-core finds no serious or critical violation on any page")) {
            assertTrue(out.contains(step + "\n"), "missing '" + step + "' in:\n" + out);
        }
        assertTrue(out.contains(" passed, 0 failed"), out);
        // The figure line is collected from the test output (docs/BENCHMARKS.md); print it where Maven shows it too.
        out.lines().filter(l -> l.startsWith("FIGURE ") || l.startsWith("axe ")).forEach(System.out::println);
        // What the browser did is what the CLI sees: the clone made in the UI exists, the deleted volume does not.
        CliRunner cli = new CliRunner(node.ipcAddress);
        assertTrue(cli.run("volume", "get", "ui-vol-s1").ok().stdout().contains("ui-vol-s1"));
        assertTrue(cli.run("volume", "list").ok().stdout().contains("ui-keep"));
        assertTrue(cli.run("volume", "get", "ui-vol").exitCode() != 0, "ui-vol was deleted in the UI");
        // The backup went to the directory target, the restore made a real volume, ui-keep follows the QoS policy.
        try (Stream<Path> files = Files.walk(backups)) {
            assertTrue(files.filter(Files::isRegularFile).count() > 1, "the backup repository holds files");
        }
        assertTrue(cli.run("volume", "get", "ui-keep-restored").ok().stdout().contains("ui-keep-restored"));
        assertTrue(cli.run("qos", "list").ok().stdout().contains("ui-gold"));
        // The policy pasted as YAML and then edited in the UI, and the storage class pasted as YAML.
        assertTrue(cli.run("policy", "get", "ui-nightly").ok().stdout().contains("15 3 * * *"));
        assertTrue(cli.run("storage-class", "get", "ui-yaml").ok().stdout().contains("ui-yaml"));
        assertTrue(Files.isRegularFile(shots.resolve("overview.png")) && Files.isRegularFile(shots.resolve("volume.png")), "screenshots saved");
    }
    /**
     * The dashboard over HTTPS on a node started with {@code --tls}: dashboard-tls.mjs checks that Chromium refuses the
     * cluster CA's certificate by default, then trusts that CA alone (its SPKI hash as a launch flag, not
     * ignoreHTTPSErrors), logs in, and finds the session cookie Secure, HttpOnly and SameSite=Strict.
     */
    @Test
    void dashboardWorksOverHttps() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is missing: apt-get install chromium (.ci/run does)");
        node = new NodeProcess(dir.resolve("tls-node"), List.of("--tls")).start();
        Path output = dir.resolve("dashboard-tls.out");
        ProcessBuilder pb = new ProcessBuilder("node", "dashboard-tls.mjs").directory(BROWSER_TESTS.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("GALLEON_URL", "https://" + node.ipcAddress);
        pb.environment().put("GALLEON_ADMIN_TOKEN", node.bearerToken().substring("Bearer ".length()));
        pb.environment().put("GALLEON_CA", node.caCert().toString());
        pb.environment().put("CHROMIUM", CHROMIUM.toString());
        script = pb.start();
        boolean ended = script.waitFor(2, TimeUnit.MINUTES);
        String out = Files.readString(output);
        assertTrue(ended, "the browser script did not finish within 2 minutes:\n" + out);
        assertEquals(0, script.exitValue(), out);
        for (String step : List.of("ok without the cluster CA the browser refuses the node's certificate",
                "ok log in over HTTPS; the session cookie is Secure, HttpOnly and SameSite=Strict",
                "ok the API answers the session over HTTPS and the live chart streams")) {
            assertTrue(out.contains(step + "\n"), "missing '" + step + "' in:\n" + out);
        }
    }
}
