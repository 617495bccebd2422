package io.galleonfs.node.grpc;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.galleonfs.grpc.ReadBlockRequest;
import io.galleonfs.grpc.VolumeDataGrpc;
import io.galleonfs.grpc.WriteBlockRequest;
import io.galleonfs.grpc.WriteConcern;
import io.galleonfs.node.rest.TempStorageResource;
import io.galleonfs.node.rest.TestTokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Mutating and refused gRPC calls land in the audit log like REST ones; reads do not. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class GrpcAuditTest {
    private static final String WRITE = "GRPC galleonfs.v1.VolumeData/WriteBlock";
    private static final String READ = "GRPC galleonfs.v1.VolumeData/ReadBlock";

    @TestHTTPResource("/")
    URL root;

    private final List<ManagedChannel> channels = new java.util.ArrayList<>();

    @AfterEach
    void disconnect() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private VolumeDataGrpc.VolumeDataBlockingStub stub(String secret) {
        ManagedChannelBuilder<?> b = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext();
        if (secret != null) {
            Metadata auth = new Metadata();
            auth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + secret);
            b.intercept(MetadataUtils.newAttachHeadersInterceptor(auth));
        }
        ManagedChannel c = b.build();
        channels.add(c);
        return VolumeDataGrpc.newBlockingStub(c);
    }

    private static List<Map<String, Object>> audit() {
        return given().noFilters().accept(ContentType.JSON).header("Authorization", "Bearer " + TestTokens.admin())
                .get("/api/v1/audit?limit=10000").then().statusCode(200).extract().jsonPath().getList("$");
    }

    private static Map<String, Object> awaitRecord(String what, Predicate<Map<String, Object>> match) {
        return await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> audit().stream().filter(match).findFirst(), java.util.Optional::isPresent).orElseThrow();
    }

    @Test
    void writesAndRefusalsAreRecordedReadsAreNot() {
        String vol = "ga-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON).body(Map.of("name", vol, "size", "8M", "storage_class", "fast-local-ssd"))
                .post("/api/v1/volumes").then().statusCode(201);
        String viewerName = "grpc-viewer-" + UUID.randomUUID().toString().substring(0, 8);
        String viewer = given().noFilters().header("Authorization", "Bearer " + TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", viewerName, "role", "viewer")).post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
        WriteBlockRequest write = WriteBlockRequest.newBuilder().setVolume(vol).setBlockId(1).setData(ByteString.copyFrom(new byte[4096]))
                .setWriteConcern(WriteConcern.WRITE_DURABLE).build();

        stub(TestTokens.admin()).writeBlock(write);
        stub(TestTokens.admin()).readBlock(ReadBlockRequest.newBuilder().setVolume(vol).setBlockId(1).build());
        StatusRuntimeException denied = assertThrows(StatusRuntimeException.class, () -> stub(viewer).writeBlock(write));
        assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
        StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class,
                () -> stub(null).readBlock(ReadBlockRequest.newBuilder().setVolume(vol).setBlockId(1).build()));
        assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());

        Map<String, Object> ok = awaitRecord("the admin's write", r -> WRITE.equals(r.get("action")) && vol.equals(r.get("resource")));
        assertEquals(200, ok.get("status"));
        assertEquals("admin", ok.get("role"));
        assertTrue(String.valueOf(ok.get("remote")).startsWith("127.0.0.1:"), String.valueOf(ok.get("remote")));

        Map<String, Object> forbidden = awaitRecord("the viewer's refused write", r -> viewerName.equals(r.get("subject")));
        assertEquals(WRITE, forbidden.get("action"));
        assertEquals(403, forbidden.get("status"));
        assertEquals("viewer", forbidden.get("role"));

        Map<String, Object> unauthenticated = awaitRecord("the anonymous read",
                r -> READ.equals(r.get("action")) && Integer.valueOf(401).equals(r.get("status")));
        assertEquals("-", unauthenticated.get("subject"));

        // Everything above is queued by now (the log writes in order): a successful read left no record.
        assertTrue(audit().stream().noneMatch(r -> READ.equals(r.get("action")) && vol.equals(r.get("resource"))));
    }
}
