package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.galleonfs.grpc.ReadBlockRequest;
import io.galleonfs.grpc.VolumeDataGrpc;
import io.galleonfs.grpc.VolumeRef;
import io.galleonfs.grpc.WriteBlockRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two operator tokens in two namespaces: each sees and changes only its own tenant's volumes. Another tenant's volume
 * answers exactly like a missing one (404 with the same detail) on every per-volume route, lists leave it out, and
 * creating in a namespace the token does not cover is 403.
 */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class NamespaceIsolationTest {

    @TestHTTPResource("/")
    URL root;

    private String nsA;
    private String nsB;
    private String tokenA;
    private String tokenB;
    private String volA;
    private String volB;
    private String volBId;

    private static RequestSpecification as(String secret) {
        return given().noFilters().accept(ContentType.JSON).header("Authorization", "Bearer " + secret);
    }

    private static RequestSpecification raw(String secret) {
        return given().noFilters().header("Authorization", "Bearer " + secret);
    }

    private static RequestSpecification admin() {
        return as(TestTokens.admin());
    }

    private static String token(String role, String namespace) {
        return admin().contentType(ContentType.JSON)
                .body(Map.of("name", unique(role), "role", role, "namespaces", List.of(namespace)))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
    }

    private static Response create(String secret, String name, String namespace) {
        return as(secret).contentType(ContentType.JSON)
                .body(Map.of("name", name, "size", "4M", "storage_class", "fast-local-ssd", "namespace", namespace)).post(VOLUMES);
    }

    @BeforeEach
    void twoTenants() {
        nsA = unique("a");
        nsB = unique("b");
        tokenA = token("operator", nsA);
        tokenB = token("operator", nsB);
        volA = unique("va");
        volB = unique("vb");
        create(tokenA, volA, nsA).then().statusCode(201).body("namespace", org.hamcrest.Matchers.equalTo(nsA));
        volBId = create(tokenB, volB, nsB).then().statusCode(201).body("namespace", org.hamcrest.Matchers.equalTo(nsB))
                .extract().path("id");
        as(tokenB).contentType(ContentType.BINARY).body(new byte[4096]).put(VOLUMES + "/" + volB + "/data?offset=0").then().statusCode(200);
        as(tokenA).contentType(ContentType.BINARY).body(new byte[4096]).put(VOLUMES + "/" + volA + "/data?offset=0").then().statusCode(200);
    }

    /** Every route under /api/v1/volumes/{ref}, as a call with the given ref. */
    private List<Function<String, Response>> everyVolumeRoute(String secret) {
        String json = "application/json";
        return List.of(
                ref -> as(secret).get(VOLUMES + "/" + ref),
                ref -> as(secret).delete(VOLUMES + "/" + ref + "?force=true"),
                ref -> as(secret).contentType(ContentType.BINARY).body(new byte[512]).put(VOLUMES + "/" + ref + "/data?offset=0"),
                ref -> raw(secret).accept("application/octet-stream").get(VOLUMES + "/" + ref + "/data?offset=0&length=512"),
                ref -> as(secret).post(VOLUMES + "/" + ref + "/flush"),
                ref -> as(secret).contentType(json).body(Map.of("offset", "0", "length", "4K")).post(VOLUMES + "/" + ref + "/trim"),
                ref -> as(secret).get(VOLUMES + "/" + ref + "/snapshots"),
                ref -> as(secret).contentType(json).body(Map.of("name", "s1")).post(VOLUMES + "/" + ref + "/snapshots"),
                ref -> as(secret).delete(VOLUMES + "/" + ref + "/snapshots/s1"),
                ref -> as(secret).contentType(json).body(Map.of("snapshot", "s1")).post(VOLUMES + "/" + ref + "/restore"),
                ref -> as(secret).contentType(json).body(Map.of("name", unique("clone"))).post(VOLUMES + "/" + ref + "/clone"),
                ref -> as(secret).contentType(json).body(Map.of("size", "8M")).post(VOLUMES + "/" + ref + "/expand"),
                ref -> as(secret).post(VOLUMES + "/" + ref + "/verify"),
                ref -> as(secret).post(VOLUMES + "/" + ref + "/scrub"),
                ref -> as(secret).contentType(json).body("{\"not-a-field\": true}").post(VOLUMES + "/" + ref + "/bench"),
                ref -> as(secret).contentType(json).body(Map.of("path", "/tmp/galleon-ns-test-never")).post(VOLUMES + "/" + ref + "/mounts"),
                ref -> as(secret).get(VOLUMES + "/" + ref + "/mounts"),
                ref -> as(secret).delete(VOLUMES + "/" + ref + "/mounts?path=/tmp/galleon-ns-test-never"),
                ref -> as(secret).delete(VOLUMES + "/" + ref + "/mounts/" + java.util.UUID.randomUUID()),
                ref -> as(secret).get(VOLUMES + "/" + ref + "/metrics"),
                ref -> raw(secret).accept("text/event-stream").get(VOLUMES + "/" + ref + "/metrics/stream"));
    }

    @Test
    void anotherTenantsVolumeIsNotFoundOnEveryRouteAndNothingChanges() {
        List<Function<String, Response>> routes = everyVolumeRoute(tokenA);
        for (int i = 0; i < routes.size(); i++) {
            for (String ref : List.of(volB, volBId)) {
                Response foreign = routes.get(i).apply(ref);
                int route = i;
                assertEquals(404, foreign.statusCode(), () -> "route " + route + " with " + ref + ": " + foreign.asString());
                String detail = assertProblem(foreign, 404);
                // Exactly what a volume that does not exist answers: nothing tells the two apart.
                String missing = unique("missing");
                String missingDetail = assertProblem(everyVolumeRoute(tokenA).get(i).apply(missing), 404);
                assertEquals(missingDetail.replace(missing, ref), detail, "route " + i + " with " + ref);
            }
        }
        // B's volume is untouched: same size, no snapshot, no clone, still there.
        Response b = as(tokenB).get(VOLUMES + "/" + volB);
        b.then().statusCode(200).body("size_bytes", org.hamcrest.Matchers.equalTo(4 * 1024 * 1024))
                .body("snapshot_count", org.hamcrest.Matchers.equalTo(0));
        // A's own volume works on the same routes (the filter hides, it does not block).
        as(tokenA).get(VOLUMES + "/" + volA).then().statusCode(200);
        as(tokenA).contentType(ContentType.JSON).body(Map.of("name", "s1")).post(VOLUMES + "/" + volA + "/snapshots").then().statusCode(201);
        as(tokenA).get(VOLUMES + "/" + volA + "/metrics").then().statusCode(200).body("namespace", org.hamcrest.Matchers.equalTo(nsA));
        String cloneName = unique("clone");
        as(tokenA).contentType(ContentType.JSON).body(Map.of("name", cloneName)).post(VOLUMES + "/" + volA + "/clone")
                .then().statusCode(201).body("namespace", org.hamcrest.Matchers.equalTo(nsA));
    }

    @Test
    void listsShowOnlyTheTokensNamespaces() {
        List<String> seenByA = as(tokenA).get(VOLUMES).then().statusCode(200).extract().jsonPath().getList("name");
        assertTrue(seenByA.contains(volA), seenByA::toString);
        assertFalse(seenByA.contains(volB), seenByA::toString);
        List<String> namespacesSeenByA = as(tokenA).get(VOLUMES).then().extract().jsonPath().getList("namespace");
        assertTrue(namespacesSeenByA.stream().allMatch(nsA::equals), namespacesSeenByA::toString);
        List<String> seenByAdmin = admin().get(VOLUMES).then().statusCode(200).extract().jsonPath().getList("name");
        assertTrue(seenByAdmin.containsAll(List.of(volA, volB)), seenByAdmin::toString);

        List<String> topA = as(tokenA).get("/api/v1/metrics/volumes?limit=1000").then().statusCode(200).extract().jsonPath().getList("volume");
        assertTrue(topA.contains(volA), topA::toString);
        assertFalse(topA.contains(volB), topA::toString);
        List<String> topAdmin = admin().get("/api/v1/metrics/volumes?limit=1000").then().statusCode(200).extract().jsonPath().getList("volume");
        assertTrue(topAdmin.containsAll(List.of(volA, volB)), topAdmin::toString);
        List<String> clusterA = as(tokenA).get("/api/v1/metrics/cluster").then().statusCode(200).extract().jsonPath().getList("volumes.volume");
        assertTrue(clusterA.contains(volA), clusterA::toString);
        assertFalse(clusterA.contains(volB), clusterA::toString);
        List<String> clusterAdmin = admin().get("/api/v1/metrics/cluster").then().statusCode(200).extract().jsonPath().getList("volumes.volume");
        assertTrue(clusterAdmin.containsAll(List.of(volA, volB)), clusterAdmin::toString);

        List<String> mountVolumes = as(tokenA).get("/api/v1/mounts").then().statusCode(200).extract().jsonPath().getList("volume_id");
        assertFalse(mountVolumes.contains(volBId), mountVolumes::toString);
        assertProblem(as(tokenA).delete("/api/v1/mounts?path=/tmp/galleon-ns-test-never"), 404);
    }

    @Test
    void creatingInAForeignNamespaceIs403AndCreatesNothing() {
        String name = unique("intruder");
        String detail = assertProblem(create(tokenA, name, nsB), 403);
        assertTrue(detail.contains(nsB), detail);
        assertProblem(as(tokenA).contentType(ContentType.JSON).body(Map.of("name", name, "size", "4M")).post(VOLUMES), 403);
        assertProblem(admin().get(VOLUMES + "/" + name), 404);
        // a viewer of A's namespace reads A's volume only
        String viewer = token("viewer", nsA);
        as(viewer).get(VOLUMES + "/" + volA).then().statusCode(200);
        assertProblem(as(viewer).get(VOLUMES + "/" + volB), 404);
        // admin tokens cannot be limited to namespaces (it would protect nothing)
        assertProblem(admin().contentType(ContentType.JSON)
                .body(Map.of("name", unique("adm"), "role", "admin", "namespaces", List.of(nsA))).post("/api/v1/tokens"), 400);
        List<List<String>> listed = admin().get("/api/v1/tokens").then().statusCode(200).extract().jsonPath().getList("namespaces");
        assertTrue(listed.stream().anyMatch(l -> l.equals(List.of(nsA))), listed::toString);
    }

    @Test
    void grpcHidesAnotherTenantsVolumeToo() throws InterruptedException {
        Metadata auth = new Metadata();
        auth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + tokenA);
        ManagedChannel channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext()
                .intercept(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(auth)).build();
        try {
            VolumeDataGrpc.VolumeDataBlockingStub stub = VolumeDataGrpc.newBlockingStub(channel);
            stub.readBlock(ReadBlockRequest.newBuilder().setVolume(volA).setBlockId(0).build());
            for (String ref : List.of(volB, volBId)) {
                StatusRuntimeException read = assertThrows(StatusRuntimeException.class,
                        () -> stub.readBlock(ReadBlockRequest.newBuilder().setVolume(ref).setBlockId(0).build()));
                assertEquals(Status.Code.NOT_FOUND, read.getStatus().getCode());
                StatusRuntimeException write = assertThrows(StatusRuntimeException.class, () -> stub.writeBlock(WriteBlockRequest.newBuilder()
                        .setVolume(ref).setBlockId(0).setData(ByteString.copyFrom(new byte[]{1})).build()));
                assertEquals(Status.Code.NOT_FOUND, write.getStatus().getCode());
                StatusRuntimeException usage = assertThrows(StatusRuntimeException.class,
                        () -> stub.getVolumeUsage(VolumeRef.newBuilder().setVolume(ref).build()));
                assertEquals(Status.Code.NOT_FOUND, usage.getStatus().getCode());
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        byte[] first = raw(tokenB).get(VOLUMES + "/" + volB + "/data?offset=0&length=1").asByteArray();
        assertEquals(0, first[0], "B's data is unchanged");
    }
}
