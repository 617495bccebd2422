package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * 8 MiB durable writes through the REST data API into 512 MiB volumes, each remembered with the seed of its pattern, so
 * that every acknowledged one can be read back byte for byte (the disk-full tests).
 */
final class DurableChunks {
    static final int CHUNK = 8 << 20;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** Acknowledged writes: volume -> offset -> seed of the 8 MiB pattern written there. */
    final Map<String, Map<Long, Long>> acknowledged = new LinkedHashMap<>();
    private final Map<String, Long> nextOffset = new LinkedHashMap<>();
    private NodeProcess node;

    DurableChunks(NodeProcess node) {
        this.node = node;
    }

    void add(String volume) {
        acknowledged.put(volume, new LinkedHashMap<>());
        nextOffset.put(volume, 0L);
    }

    void forget(String volume) {
        acknowledged.remove(volume);
    }

    int count() {
        return acknowledged.values().stream().mapToInt(Map::size).sum();
    }

    /** Writes the next chunk of {@code volume}; true (and remembered) when the node acknowledged it. */
    boolean writeNext(String volume) throws Exception {
        return next(volume).statusCode() == 200;
    }

    private HttpResponse<String> next(String volume) throws Exception {
        long offset = nextOffset.get(volume);
        if (offset + CHUNK > (512L << 20)) {
            throw new AssertionError("volume " + volume + " is full before the disk is");
        }
        long seed = seedFor(volume, offset);
        HttpResponse<String> r = put(volume, offset, seed);
        if (r.statusCode() == 200) {
            acknowledged.get(volume).put(offset, seed);
            nextOffset.put(volume, offset + CHUNK);
        }
        return r;
    }

    /** Writes round-robin into {@code volumes} until the node refuses one; returns that answer. */
    HttpResponse<String> fillUntilRefused(List<String> volumes) throws Exception {
        for (int i = 0; i < 400; i++) {
            HttpResponse<String> r = next(volumes.get(i % volumes.size()));
            if (r.statusCode() != 200) {
                return r;
            }
        }
        throw new AssertionError("the disk never filled up");
    }

    static long seedFor(String volume, long offset) {
        return volume.hashCode() * 31L + offset;
    }

    HttpResponse<String> put(String volume, long offset, long seed) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + node.ipcAddress + "/api/v1/volumes/" + volume
                        + "/data?offset=" + offset + "&write_concern=durable")).header("Authorization", node.bearerToken())
                .header("content-type", "application/octet-stream")
                .timeout(Duration.ofSeconds(60))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(pattern(seed))).build();
        return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    }

    void verifyAll() throws Exception {
        for (Map.Entry<String, Map<Long, Long>> v : acknowledged.entrySet()) {
            for (Map.Entry<Long, Long> w : v.getValue().entrySet()) {
                HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + node.ipcAddress + "/api/v1/volumes/" + v.getKey()
                        + "/data?offset=" + w.getKey() + "&length=" + CHUNK)).header("Authorization", node.bearerToken())
                        .timeout(Duration.ofSeconds(60)).GET().build();
                HttpResponse<byte[]> r = HTTP.send(req, HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode(), () -> v.getKey() + "@" + w.getKey() + ": " + new String(r.body()));
                assertArrayEquals(pattern(w.getValue()), r.body(), v.getKey() + " at " + w.getKey());
            }
        }
    }

    static byte[] pattern(long seed) {
        byte[] b = new byte[CHUNK];
        new Random(seed).nextBytes(b);
        return b;
    }
}
