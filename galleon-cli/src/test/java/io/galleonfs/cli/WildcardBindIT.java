package io.galleonfs.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The seed's deployment binds the cluster port to 0.0.0.0. Peers cannot connect to a wildcard, so the node advertises a
 * concrete address (here given with --advertise-address): members register it, and a replicated volume whose copies sit
 * on the wildcard node and a second node syncs over it.
 */
class WildcardBindIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path dir;
    private NodeProcess wildcard;
    private NodeProcess second;

    @AfterEach
    void cleanUp() throws Exception {
        for (NodeProcess n : new NodeProcess[] {second, wildcard}) {
            if (n != null) {
                n.close();
            }
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aWildcardBoundNodeRegistersItsAdvertisedAddressAndReplicatesOverIt() throws Exception {
        dir = Files.createTempDirectory("galleon-wildcard");
        int[] first = NodeProcess.freePorts();
        int port = first[1];
        wildcard = new NodeProcess(dir.resolve("n1"), "127.0.0.7:" + first[0], "0.0.0.0:" + port,
                List.of("--advertise-address", "127.0.0.7")).start();
        String token = wildcard.bearerToken().substring("Bearer ".length());
        int[] ports = NodeProcess.freePorts();
        second = new NodeProcess(dir.resolve("n2"), "127.0.0.8:" + ports[0], "127.0.0.8:" + ports[1],
                List.of("--peer-addresses", "127.0.0.7:" + port)).start();
        CliRunner cli = new CliRunner(wildcard.ipcAddress, () -> token);

        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            JsonNode peers = JSON.readTree(cli.run("cluster", "peers", "-o", "json").ok().stdout());
            return peers.size() == 2;
        });
        JsonNode peers = JSON.readTree(cli.run("cluster", "peers", "-o", "json").ok().stdout());
        for (JsonNode p : peers) {
            if (p.get("ipc_address").asText().equals(wildcard.ipcAddress)) {
                assertEquals("127.0.0.7:" + port, p.get("bind_address").asText(), peers.toString());
            }
        }

        cli.run("volume", "create", "--name", "wide", "--size", "16M", "--replicas", "2").ok();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            JsonNode v = JSON.readTree(cli.run("volume", "get", "wide", "-o", "json").ok().stdout());
            return v.get("state").asText().equals("healthy");
        });
        Path in = dir.resolve("in.bin");
        byte[] data = new byte[1 << 20];
        new java.util.Random(7).nextBytes(data);
        Files.write(in, data);
        cli.run("volume", "import", "wide", in.toString(), "--write-concern", "replicated").ok();
        CliRunner other = new CliRunner(second.ipcAddress, () -> token);
        Path out = dir.resolve("out.bin");
        other.run("volume", "export", "wide", out.toString(), "--length", Integer.toString(data.length)).ok();
        org.junit.jupiter.api.Assertions.assertArrayEquals(data, Files.readAllBytes(out));
    }
}
