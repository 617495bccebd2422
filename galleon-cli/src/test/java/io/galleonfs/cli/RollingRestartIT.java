package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.galleonfs.cli.ClusterHarness.Node;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart of a 3-node cluster (one node at a time, SIGTERM then start again on the same storage, same build)
 * while a client keeps writing and reading a 3-copy volume: no request fails, and every acknowledged write reads back.
 * The client talks to a node that is not being restarted, like an application behind a load balancer that drains a node
 * before its restart; the node it talks to forwards to whichever node is the volume's primary at that moment.
 */
class RollingRestartIT {
    private static final int CHUNK = 16 * 1024;

    private ClusterHarness cluster;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aRollingRestartKeepsAReplicatedVolumeServingReadsAndWrites() throws Exception {
        cluster = new ClusterHarness();
        List<Node> nodes = cluster.startCluster(3);
        HttpResponse<String> created = cluster.send(nodes.getFirst(), "POST", "/api/v1/volumes",
                "{\"name\":\"roll\",\"size\":\"64M\",\"storage_class\":\"fast-local-ssd\",\"replicas\":3}");
        assertEquals(201, created.statusCode(), created.body());
        for (Node n : nodes) {
            awaitHealthy(n);
        }

        AtomicReference<Node> draining = new AtomicReference<>();
        AtomicReference<Node> inUse = new AtomicReference<>();
        Map<Long, byte[]> acked = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong failures = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        AtomicLong maxPauseNanos = new AtomicLong();
        AtomicReference<String> lastFailure = new AtomicReference<>("none");
        Thread client = Thread.ofPlatform().name("rolling-restart-client").start(() -> {
            long i = 0;
            long last = System.nanoTime();
            while (!stop.get()) {
                Node via = nodes.stream().filter(n -> n != draining.get() && n.running()).findFirst().orElseThrow();
                inUse.set(via);
                long offset = (i % 2048) * CHUNK;
                byte[] data = new byte[CHUNK];
                new Random(i).nextBytes(data);
                try {
                    int status = write(via, offset, data);
                    if (status == 200) {
                        acked.put(offset, data);
                    } else {
                        failures.incrementAndGet();
                        lastFailure.set("write via " + via + ": HTTP " + status);
                    }
                    byte[] expected = acked.get((i / 2 % 2048) * CHUNK); // one client: the last acknowledged bytes there
                    if (expected != null && i % 2 == 0) {
                        HttpResponse<byte[]> r = read(via, (i / 2 % 2048) * CHUNK);
                        if (r.statusCode() != 200) {
                            failures.incrementAndGet();
                            lastFailure.set("read via " + via + ": HTTP " + r.statusCode());
                        } else if (!java.util.Arrays.equals(expected, r.body())) {
                            failures.incrementAndGet();
                            lastFailure.set("read via " + via + " at " + (i / 2 % 2048) * CHUNK + " returned other bytes than acknowledged");
                        } else {
                            reads.incrementAndGet();
                        }
                    }
                    long now = System.nanoTime();
                    maxPauseNanos.accumulateAndGet(now - last, Math::max);
                    last = now;
                } catch (Exception e) {
                    failures.incrementAndGet();
                    lastFailure.set(via + ": " + e);
                }
                inUse.set(null);
                i++;
            }
        });
        try {
            for (Node n : nodes) {
                long before = acked.size();
                await("the client has written before " + n + " restarts").atMost(Duration.ofSeconds(30))
                        .until(() -> acked.size() > before + 20);
                draining.set(n);
                await("the client has left " + n).atMost(Duration.ofSeconds(60)).until(() -> inUse.get() != n);
                long started = System.nanoTime();
                cluster.stop(n);
                cluster.restart(n);
                cluster.awaitFormed(nodes, Duration.ofSeconds(60));
                awaitHealthy(n);
                System.out.printf("FIGURE rolling-restart node=%d restart_to_healthy_s=%.1f%n", n.index, (System.nanoTime() - started) / 1e9);
                draining.set(null);
            }
            long before = acked.size();
            await("writes go on after the last restart").atMost(Duration.ofSeconds(30)).until(() -> acked.size() > before + 20);
        } finally {
            stop.set(true);
            client.join(60_000);
        }
        System.out.printf("FIGURE rolling-restart max_client_pause_s=%.2f acked=%d reads=%d failures=%d%n", maxPauseNanos.get() / 1e9,
                acked.size(), reads.get(), failures.get());
        assertEquals(0, failures.get(), () -> "no client request failed during the rolling restart; last: " + lastFailure.get());
        for (Node via : nodes) {
            for (var e : acked.entrySet()) {
                HttpResponse<byte[]> r = read(via, e.getKey());
                assertEquals(200, r.statusCode(), () -> new String(r.body()));
                assertArrayEquals(e.getValue(), r.body(), "acknowledged write at " + e.getKey() + " read via " + via);
            }
        }
        assertTrue(reads.get() > 0, "the client also read during the restarts");
    }

    private void awaitHealthy(Node observer) {
        await("roll healthy on " + observer).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> {
                    JsonNode v = cluster.getJson(observer, "/api/v1/volumes/roll");
                    return v.get("state").asText().equals("healthy");
                });
    }

    private int write(Node via, long offset, byte[] data) throws Exception {
        HttpRequest req = cluster.request(via, "/api/v1/volumes/roll/data?offset=" + offset + "&write_concern=replicated")
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build();
        return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private HttpResponse<byte[]> read(Node via, long offset) throws Exception {
        HttpRequest req = cluster.request(via, "/api/v1/volumes/roll/data?offset=" + offset + "&length=" + CHUNK)
                .timeout(Duration.ofSeconds(60)).GET().build();
        return http.send(req, HttpResponse.BodyHandlers.ofByteArray());
    }
}
