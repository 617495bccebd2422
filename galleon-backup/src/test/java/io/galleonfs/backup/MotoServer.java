package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** A real moto_server (S3 API) on a free loopback port, for the S3 tests; stopped with its child processes. */
final class MotoServer implements AutoCloseable {
    static final String HOST = System.getProperty("galleon.test.loopback", "127.0.0.1");
    static final String ACCESS_KEY = "testing";
    static final String SECRET_KEY = "testing-secret";

    private final Process process;
    final String endpoint;
    final Path log;

    private MotoServer(Process process, String endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
    }

    static MotoServer start() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(HOST, 0));
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("moto-server-", ".log");
        Process p;
        try {
            p = new ProcessBuilder("moto_server", "-H", HOST, "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            fail("moto_server is not on PATH; the S3 tests need it (pip install 'moto[server]'; CI provides it): "
                    + e.getMessage());
            throw e;
        }
        MotoServer server = new MotoServer(p, "http://" + HOST + ":" + port, log);
        int finalPort = port;
        try {
            Awaitility.await("moto_server listening on " + HOST + ":" + port)
                    .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (!p.isAlive()) {
                            fail("moto_server exited with " + p.exitValue() + ": " + Files.readString(log));
                        }
                        try (Socket sock = new Socket(HOST, finalPort)) {
                            return true;
                        } catch (IOException notYet) {
                            return false;
                        }
                    });
        } catch (RuntimeException | AssertionError e) {
            server.close();
            throw e;
        }
        return server;
    }

    S3Client client() {
        return S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY,
                        SECRET_KEY)))
                .forcePathStyle(true).httpClient(UrlConnectionHttpClient.create()).build();
    }

    TargetSpec spec(String bucket, String prefix) {
        return new TargetSpec("s3://" + bucket + "/" + prefix, endpoint, "us-east-1", true, ACCESS_KEY, SECRET_KEY);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a leftover log in /tmp is harmless
        }
    }
}
