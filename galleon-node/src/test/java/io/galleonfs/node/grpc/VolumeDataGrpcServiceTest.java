package io.galleonfs.node.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.galleonfs.grpc.CloneVolumeRequest;
import io.galleonfs.grpc.CreateSnapshotRequest;
import io.galleonfs.grpc.DataChunk;
import io.galleonfs.grpc.ReadBlockRequest;
import io.galleonfs.grpc.ReadRangeRequest;
import io.galleonfs.grpc.VolumeDataGrpc;
import io.galleonfs.grpc.VolumeRef;
import io.galleonfs.grpc.WriteBlockRequest;
import io.galleonfs.grpc.WriteChunk;
import io.galleonfs.grpc.WriteConcern;
import io.galleonfs.grpc.WriteReply;
import io.galleonfs.node.rest.TempStorageResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The seed's programmatic API over gRPC, served on the same port as REST. */
@QuarkusTest
@WithTestResource(TempStorageResource.class)
class VolumeDataGrpcServiceTest {

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private VolumeDataGrpc.VolumeDataBlockingStub blocking;
    private VolumeDataGrpc.VolumeDataStub async;

    @BeforeEach
    void connect() {
        io.grpc.Metadata auth = new io.grpc.Metadata();
        auth.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                io.galleonfs.node.rest.TestTokens.bearerAdmin());
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext()
                .intercept(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(auth)).build();
        blocking = VolumeDataGrpc.newBlockingStub(channel);
        async = VolumeDataGrpc.newStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static String volume() {
        String name = "g-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON).body(Map.of("name", name, "size", "8M", "storage_class", "fast-local-ssd"))
                .post("/api/v1/volumes").then().statusCode(201);
        return name;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void blocksRoundTripWithDurableWrites() {
        String vol = volume();
        byte[] block = random(4096, 1);
        WriteReply reply = blocking.writeBlock(WriteBlockRequest.newBuilder().setVolume(vol).setBlockId(7)
                .setData(ByteString.copyFrom(block)).setWriteConcern(WriteConcern.WRITE_DURABLE).build());
        assertEquals(4096, reply.getBytesWritten());
        assertEquals("durable", reply.getWriteConcern());
        DataChunk read = blocking.readBlock(ReadBlockRequest.newBuilder().setVolume(vol).setBlockId(7).build());
        assertEquals(7L * 4096, read.getOffset());
        assertArrayEquals(block, read.getData().toByteArray());
        assertEquals(4096, blocking.getVolumeUsage(VolumeRef.newBuilder().setVolume(vol).build()).getAllocatedBytes());
    }

    @Test
    void rangesStreamBothWays() throws Exception {
        String vol = volume();
        byte[] data = random(3 << 20, 2);
        CompletableFuture<WriteReply> done = new CompletableFuture<>();
        StreamObserver<WriteChunk> upload = async.writeRange(new StreamObserver<>() {
            @Override
            public void onNext(WriteReply value) {
                done.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        for (int off = 0; off < data.length; off += 1 << 20) {
            upload.onNext(WriteChunk.newBuilder().setVolume(vol).setOffset(off)
                    .setData(ByteString.copyFrom(data, off, 1 << 20)).setWriteConcern(WriteConcern.WRITE_DURABLE).build());
        }
        upload.onCompleted();
        assertEquals(data.length, done.get(30, TimeUnit.SECONDS).getBytesWritten());

        ByteArrayOutputStream back = new ByteArrayOutputStream();
        Iterator<DataChunk> chunks = blocking.readRange(ReadRangeRequest.newBuilder().setVolume(vol).setOffset(0)
                .setLength(data.length).build());
        int count = 0;
        while (chunks.hasNext()) {
            back.writeBytes(chunks.next().getData().toByteArray());
            count++;
        }
        assertEquals(3, count);
        assertArrayEquals(data, back.toByteArray());
    }

    @Test
    void snapshotAndCloneThroughGrpc() {
        String vol = volume();
        byte[] before = random(4096, 3);
        blocking.writeBlock(WriteBlockRequest.newBuilder().setVolume(vol).setBlockId(0).setData(ByteString.copyFrom(before)).build());
        assertEquals("backup-before-upgrade", blocking.createSnapshot(CreateSnapshotRequest.newBuilder().setVolume(vol)
                .setName("backup-before-upgrade").build()).getName());
        blocking.writeBlock(WriteBlockRequest.newBuilder().setVolume(vol).setBlockId(0).setData(ByteString.copyFrom(random(4096, 4))).build());
        String copy = vol + "-dev";
        assertEquals(copy, blocking.cloneVolume(CloneVolumeRequest.newBuilder().setVolume(vol).setName(copy)
                .setSnapshot("backup-before-upgrade").build()).getName());
        assertArrayEquals(before, blocking.readBlock(ReadBlockRequest.newBuilder().setVolume(copy).setBlockId(0).build())
                .getData().toByteArray());
    }

    @Test
    void errorsMapToGrpcStatuses() {
        String vol = volume();
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
                () -> blocking.readBlock(ReadBlockRequest.newBuilder().setVolume("no-such-volume").setBlockId(0).build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
        StatusRuntimeException beyond = assertThrows(StatusRuntimeException.class,
                () -> blocking.readBlock(ReadBlockRequest.newBuilder().setVolume(vol).setBlockId(1L << 40).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, beyond.getStatus().getCode());
        StatusRuntimeException tooBig = assertThrows(StatusRuntimeException.class,
                () -> blocking.writeBlock(WriteBlockRequest.newBuilder().setVolume(vol).setBlockId(0)
                        .setData(ByteString.copyFrom(new byte[8192])).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, tooBig.getStatus().getCode());
        assertTrue(tooBig.getStatus().getDescription().contains("block size"));
    }

    /** The interceptor applies the REST rules: no or bad token is UNAUTHENTICATED, a viewer may read but not write. */
    @Test
    void callsNeedATokenWithAHighEnoughRole() throws InterruptedException {
        String vol = volume();
        String viewer = given().contentType(ContentType.JSON).body(Map.of("name", "grpc-viewer-" + UUID.randomUUID().toString().substring(0, 8),
                "role", "viewer")).post("/api/v1/tokens").then().statusCode(201).extract().path("secret");
        for (String header : new String[] {null, "Bearer gfs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nonsense"}) {
            ManagedChannel bare = channel(header);
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> VolumeDataGrpc.newBlockingStub(bare).getVolumeUsage(VolumeRef.newBuilder().setVolume(vol).build()));
                assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            } finally {
                bare.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        ManagedChannel ro = channel("Bearer " + viewer);
        try {
            var stub = VolumeDataGrpc.newBlockingStub(ro);
            stub.readBlock(ReadBlockRequest.newBuilder().setVolume(vol).setBlockId(0).build());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub.writeBlock(WriteBlockRequest.newBuilder()
                    .setVolume(vol).setBlockId(0).setData(ByteString.copyFrom(new byte[4096])).build()));
            assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        } finally {
            ro.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private ManagedChannel channel(String authorization) {
        ManagedChannelBuilder<?> b = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext();
        if (authorization != null) {
            io.grpc.Metadata md = new io.grpc.Metadata();
            md.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), authorization);
            b.intercept(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
        }
        return b.build();
    }
}
