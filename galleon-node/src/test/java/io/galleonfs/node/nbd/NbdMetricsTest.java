package io.galleonfs.node.nbd;

import static io.galleonfs.node.nbd.NbdWire.CMD_FLUSH;
import static io.galleonfs.node.nbd.NbdWire.CMD_READ;
import static io.galleonfs.node.nbd.NbdWire.CMD_TRIM;
import static io.galleonfs.node.nbd.NbdWire.CMD_WRITE;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.galleonfs.node.rest.TempStorageResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** I/O through the NBD frontend is metered like any other: it shows in the volume's snapshot. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class NbdMetricsTest {

    @Test
    void nbdIoIsCounted() throws Exception {
        String vol = "t-nbd-metrics-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON).body(Map.of("name", vol, "size", "4M", "storage_class", "fast-local-ssd", "replicas", 1))
                .post("/api/v1/volumes").then().statusCode(201);
        try (NbdServerTest.Client c = new NbdServerTest.Client(vol)) {
            c.send(0, CMD_WRITE, 1, 0, 65536, new byte[65536]);
            assertEquals(0, c.reply(1));
            c.send(0, CMD_WRITE, 2, 65536, 4096, new byte[4096]);
            assertEquals(0, c.reply(2));
            c.send(0, CMD_FLUSH, 3, 0, 0, null);
            assertEquals(0, c.reply(3));
            c.send(0, CMD_READ, 4, 0, 8192, null);
            assertEquals(0, c.reply(4));
            c.in.readFully(new byte[8192]);
            c.send(0, CMD_TRIM, 5, 0, 65536, null);
            assertEquals(0, c.reply(5));
        }
        given().get("/api/v1/volumes/" + vol + "/metrics").then().statusCode(200)
                .body("totals.writes", equalTo(2)).body("totals.write_bytes", equalTo(69632))
                .body("totals.reads", equalTo(1)).body("totals.read_bytes", equalTo(8192))
                .body("totals.flushes", equalTo(1)).body("totals.trims", equalTo(1)).body("totals.trim_bytes", equalTo(65536));
        given().delete("/api/v1/volumes/" + vol).then().statusCode(204);
    }
}
