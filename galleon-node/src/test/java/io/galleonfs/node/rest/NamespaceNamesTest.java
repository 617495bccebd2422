package io.galleonfs.node.rest;

import static io.galleonfs.node.rest.Api.VOLUMES;
import static io.galleonfs.node.rest.Api.assertProblem;
import static io.galleonfs.node.rest.Api.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.grpc.ReadBlockRequest;
import io.galleonfs.grpc.VolumeDataGrpc;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Volume names are unique per namespace: two tenants each create a volume of the same name, each works with its own by
 * that name, and a caller who sees both namespaces (admin) must say which one.
 */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class NamespaceNamesTest {

    @TestHTTPResource("/")
    URL root;

    private String nsA;
    private String nsB;
    private String tokenA;
    private String tokenB;
    private String name;
    private String idA;
    private String idB;

    private static RequestSpecification as(String secret) {
        return given().noFilters().accept(ContentType.JSON).header("Authorization", "Bearer " + secret);
    }

    private static RequestSpecification admin() {
        return as(TestTokens.admin());
    }

    private static String token(String namespace) {
        return admin().contentType(ContentType.JSON)
                .body(Map.of("name", unique("op"), "role", "operator", "namespaces", List.of(namespace)))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
    }

    private static Response create(String secret, String name, String namespace) {
        return as(secret).contentType(ContentType.JSON)
                .body(Map.of("name", name, "size", "4M", "storage_class", "fast-local-ssd", "namespace", namespace)).post(VOLUMES);
    }

    private static byte[] block(int fill) {
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    @BeforeEach
    void twoTenantsOneName() {
        nsA = unique("a");
        nsB = unique("b");
        tokenA = token(nsA);
        tokenB = token(nsB);
        name = unique("db");
        idA = create(tokenA, name, nsA).then().statusCode(201).body("namespace", equalTo(nsA)).extract().path("id");
        // The same name in another namespace is no conflict, and says nothing about A's volume.
        idB = create(tokenB, name, nsB).then().statusCode(201).body("namespace", equalTo(nsB)).extract().path("id");
        as(tokenA).contentType(ContentType.BINARY).body(block(0xA)).put(VOLUMES + "/" + name + "/data?offset=0").then().statusCode(200);
        as(tokenB).contentType(ContentType.BINARY).body(block(0xB)).put(VOLUMES + "/" + name + "/data?offset=0").then().statusCode(200);
    }

    @Test
    void eachTenantWorksWithItsOwnVolumeByName() {
        as(tokenA).get(VOLUMES + "/" + name).then().statusCode(200).body("id", equalTo(idA)).body("namespace", equalTo(nsA));
        as(tokenB).get(VOLUMES + "/" + name).then().statusCode(200).body("id", equalTo(idB)).body("namespace", equalTo(nsB));
        byte[] readA = given().noFilters().header("Authorization", "Bearer " + tokenA).accept("application/octet-stream")
                .get(VOLUMES + "/" + name + "/data?offset=0&length=4096").then().statusCode(200).extract().asByteArray();
        assertArrayEquals(block(0xA), readA, "A's write went to A's volume");
        byte[] readB = given().noFilters().header("Authorization", "Bearer " + tokenB).accept("application/octet-stream")
                .get(VOLUMES + "/" + idB + "/data?offset=0&length=4096").then().statusCode(200).extract().asByteArray();
        assertArrayEquals(block(0xB), readB, "B's write went to B's volume");
        // Snapshots and clones by the shared name stay in the caller's namespace.
        as(tokenA).contentType(ContentType.JSON).body(Map.of("name", "s1")).post(VOLUMES + "/" + name + "/snapshots").then().statusCode(201);
        as(tokenB).get(VOLUMES + "/" + name + "/snapshots").then().statusCode(200).body("size()", equalTo(0));
        String clone = unique("clone");
        as(tokenA).contentType(ContentType.JSON).body(Map.of("name", clone)).post(VOLUMES + "/" + name + "/clone")
                .then().statusCode(201).body("namespace", equalTo(nsA));
        as(tokenB).contentType(ContentType.JSON).body(Map.of("name", clone)).post(VOLUMES + "/" + name + "/clone")
                .then().statusCode(201).body("namespace", equalTo(nsB));
        // A name already used in the caller's own namespace is still a conflict.
        String detail = assertProblem(create(tokenA, name, nsA), 409);
        assertTrue(detail.contains(nsA), detail);
        assertFalse(detail.contains(nsB), detail);
        // The other tenant's namespace is not reachable by naming it.
        assertProblem(as(tokenA).get(VOLUMES + "/" + name + "?namespace=" + nsB), 404);
        assertProblem(as(tokenA).get(VOLUMES + "/" + idB), 404);
    }

    @Test
    void adminMustChooseTheNamespaceOfAnAmbiguousName() {
        Response ambiguous = admin().get(VOLUMES + "/" + name);
        String detail = assertProblem(ambiguous, 409);
        assertTrue(detail.contains(nsA) && detail.contains(nsB), detail);
        assertEquals(List.of(nsA, nsB).stream().sorted().toList(), ambiguous.jsonPath().getList("namespaces"));
        // ...on every route, before anything changes.
        assertProblem(admin().delete(VOLUMES + "/" + name + "?force=true"), 409);
        assertProblem(admin().contentType(ContentType.BINARY).body(block(1)).put(VOLUMES + "/" + name + "/data?offset=0"), 409);
        admin().get(VOLUMES + "/" + idA).then().statusCode(200);
        admin().get(VOLUMES + "/" + idB).then().statusCode(200);

        admin().get(VOLUMES + "/" + name + "?namespace=" + nsA).then().statusCode(200).body("id", equalTo(idA));
        admin().get(VOLUMES + "/" + name + "?namespace=" + nsB).then().statusCode(200).body("id", equalTo(idB));
        admin().get(VOLUMES + "/" + idB + "?namespace=" + nsB).then().statusCode(200).body("id", equalTo(idB));
        assertProblem(admin().get(VOLUMES + "/" + idB + "?namespace=" + nsA), 404);
        admin().contentType(ContentType.JSON).body(Map.of("size", "8M")).post(VOLUMES + "/" + name + "/expand?namespace=" + nsB)
                .then().statusCode(200).body("id", equalTo(idB)).body("size_bytes", equalTo(8 << 20));
        as(tokenA).get(VOLUMES + "/" + name).then().statusCode(200).body("size_bytes", equalTo(4 << 20));
        admin().delete(VOLUMES + "/" + name + "?namespace=" + nsA + "&force=true").then().statusCode(204);
        // Once the name is unique again, the bare name works for admin too.
        admin().get(VOLUMES + "/" + name).then().statusCode(200).body("id", equalTo(idB));
    }

    @Test
    void grpcResolvesNamesWithinTheTokensNamespaces() throws InterruptedException {
        Metadata auth = new Metadata();
        auth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + tokenB);
        Metadata adminAuth = new Metadata();
        adminAuth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TestTokens.admin());
        ManagedChannel channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        try {
            var asB = VolumeDataGrpc.newBlockingStub(channel).withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(auth));
            byte[] data = asB.readBlock(ReadBlockRequest.newBuilder().setVolume(name).setBlockId(0).build()).getData().toByteArray();
            assertEquals((byte) 0xB, data[0]);
            var asAdmin = VolumeDataGrpc.newBlockingStub(channel).withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(adminAuth));
            StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                    () -> asAdmin.readBlock(ReadBlockRequest.newBuilder().setVolume(name).setBlockId(0).build()));
            assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().contains(nsA + "/" + name), e.getStatus().getDescription());
            byte[] chosen = asAdmin.readBlock(ReadBlockRequest.newBuilder().setVolume(nsA + "/" + name).setBlockId(0).build())
                    .getData().toByteArray();
            assertEquals((byte) 0xA, chosen[0]);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
