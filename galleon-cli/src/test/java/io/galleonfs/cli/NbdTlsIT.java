package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * NBD over TLS against a real daemon started with {@code --tls --nbd-tls require}, spoken to by libnbd's nbdinfo and
 * nbdcopy (gnutls): a plain client is refused with a reason, a client trusting the cluster CA reads the volume's bytes,
 * a client trusting another CA fails, and a client certificate of the cluster CA is accepted. Certificates for the
 * other CA and the client are made with openssl.
 */
class NbdTlsIT {
    private Path dir;
    private NodeProcess node;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("galleon-nbd-tls");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (node != null) {
            node.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void requireRefusesPlainClientsAndServesTlsClientsOfTheClusterCa() throws Exception {
        Assumptions.assumeTrue(installed("nbdinfo") && installed("nbdcopy") && installed("openssl"),
                "nbdinfo/nbdcopy (apt-get install libnbd-bin) or openssl are not installed; NBD TLS interop test skipped");
        String nbd = "127.0.0.1:" + NodeProcess.freePort();
        int[] ports = NodeProcess.freePorts();
        node = new NodeProcess(dir.resolve("node"), "127.0.0.1:" + ports[0], "127.0.0.1:" + ports[1],
                List.of("--tls", "--nbd-address", nbd, "--nbd-tls", "require")).start();
        CliRunner cli = new CliRunner(node.ipcAddress, () -> node.bearerToken().substring("Bearer ".length()));
        cli.run("volume", "create", "--name", "disk", "--size", "8M", "--storage-class", "fast-local-ssd").ok();
        String content = "bytes that only travel inside TLS";
        Path in = Files.writeString(dir.resolve("in.txt"), content);
        cli.run("volume", "import", "disk", in.toString(), "--write-concern", "durable").ok();
        Path tls = node.storage.resolve("tls");
        assertEquals("nbds://" + nbd + "/disk", cli.run("volume", "export-nbd", "disk").ok().stdout().strip());
        assertTrue(cli.run("daemon", "config").ok().stdout().lines().anyMatch(l -> l.contains("nbd_tls") && l.contains("require")));

        // The cluster CA as libnbd wants it: a gnutls-style directory with ca-cert.pem.
        Path trusting = Files.createDirectories(dir.resolve("trusting"));
        Files.copy(tls.resolve("ca.crt"), trusting.resolve("ca-cert.pem"));
        String uri = "nbds://" + nbd + "/disk?tls-certificates=" + trusting;
        String info = run(0, "nbdinfo", uri);
        assertTrue(info.contains("export-size: " + (8 << 20)), info);
        Path out = dir.resolve("out.bin");
        run(0, "nbdcopy", uri, out.toString());
        assertEquals(content, new String(Files.readAllBytes(out), 0, content.length(), StandardCharsets.UTF_8));

        // A plain client is refused, and told why.
        String plain = run(-1, "nbdinfo", "nbd://" + nbd + "/disk");
        assertTrue(plain.toLowerCase(Locale.ROOT).contains("tls"), plain);

        // A client that trusts another CA does not accept the node's certificate.
        Path other = Files.createDirectories(dir.resolve("other"));
        run(0, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=another CA", "-keyout", other.resolve("ca-key.pem").toString(), "-out", other.resolve("ca-cert.pem").toString());
        run(-1, "nbdinfo", "nbds://" + nbd + "/disk?tls-certificates=" + other);

        // A client certificate from the cluster CA is accepted. (One from another CA is not even sent: the server asks for
        // certificates of the cluster CA, and gnutls offers only a matching one, so such a client connects without.)
        Path withCert = Files.createDirectories(dir.resolve("with-cert"));
        Files.copy(tls.resolve("ca.crt"), withCert.resolve("ca-cert.pem"));
        clientCertificate(withCert, tls.resolve("ca.crt"), tls.resolve("ca.key"));
        assertTrue(run(0, "nbdinfo", "nbds://" + nbd + "/disk?tls-certificates=" + withCert).contains("export-size"));
    }

    /** client-key.pem and client-cert.pem in {@code into}, signed by the given CA. */
    private void clientCertificate(Path into, Path caCert, Path caKey) throws Exception {
        Path csr = into.resolve("client.csr");
        run(0, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=nbd client",
                "-keyout", into.resolve("client-key.pem").toString(), "-out", csr.toString());
        Path ext = Files.writeString(into.resolve("ext.cnf"), "extendedKeyUsage = clientAuth\n");
        run(0, "openssl", "x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(), "-CAcreateserial",
                "-days", "1", "-extfile", ext.toString(), "-out", into.resolve("client-cert.pem").toString());
    }

    private static boolean installed(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** Runs a tool and returns its output; {@code expectedExit} -1 means any failure. */
    private static String run(int expectedExit, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        if (expectedExit < 0) {
            assertNotEquals(0, p.exitValue(), String.join(" ", command) + " succeeded but should have failed:\n" + output);
        } else {
            assertEquals(expectedExit, p.exitValue(), String.join(" ", command) + " failed:\n" + output);
        }
        return output;
    }
}
