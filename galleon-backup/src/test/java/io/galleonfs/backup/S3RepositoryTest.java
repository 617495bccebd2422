package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** The repository contract on an S3 target: a real moto_server on loopback. */
class S3RepositoryTest extends RepositoryContractTest {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static MotoServer moto;
    private static S3Client admin;

    @BeforeAll
    static void startMoto() throws IOException {
        moto = MotoServer.start();
        admin = moto.client();
    }

    @AfterAll
    static void stopMoto() {
        if (admin != null) {
            admin.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    private String bucketOf(String name) {
        return "galleon-" + name.replaceAll("[^a-z0-9-]", "-");
    }

    private final java.util.Map<String, String> buckets = new java.util.HashMap<>();

    @Override
    ObjectStore newStore(String name) {
        String bucket = bucketOf(name) + "-" + BUCKETS.incrementAndGet();
        admin.createBucket(b -> b.bucket(bucket));
        buckets.put(name, bucket);
        return ObjectStores.open(moto.spec(bucket, "repo/" + name));
    }

    @Override
    ObjectStore reopenStore(String name) {
        return ObjectStores.open(moto.spec(buckets.get(name), "repo/" + name));
    }

    @Test
    void aMissingBucketIsAnInvalidTarget() {
        InvalidTargetException e = assertThrows(InvalidTargetException.class,
                () -> ObjectStores.open(moto.spec("no-such-bucket", "x")));
        assertTrue(e.getMessage().contains("no-such-bucket"), e.getMessage());
    }

    @Test
    void anUnreachableEndpointIsTargetUnavailable() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(MotoServer.HOST, 0));
            closedPort = s.getLocalPort();
        }
        TargetSpec spec = new TargetSpec("s3://bucket/p", "http://" + MotoServer.HOST + ":" + closedPort,
                "us-east-1", true, "a", "b");
        TargetUnavailableException e = assertThrows(TargetUnavailableException.class,
                () -> ObjectStores.open(spec));
        assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
    }

    @Test
    void credentialsMustComeInPairs() {
        assertThrows(InvalidTargetException.class, () -> ObjectStores.open(new TargetSpec("s3://b/p",
                moto.endpoint, null, true, "only-the-id", null)));
    }
}
