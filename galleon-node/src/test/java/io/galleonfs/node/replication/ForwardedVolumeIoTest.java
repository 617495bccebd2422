package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import io.galleonfs.node.blockio.AsyncVolumeIo;
import io.galleonfs.node.blockio.WriteConcern;
import io.galleonfs.node.config.HostPort;
import io.galleonfs.node.meta.VolumeRecord;
import io.galleonfs.node.replication.DataMessage.*;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node forwarding client I/O to the volume's primary, over the in-memory transport: the non-blocking first attempt,
 * and the failover retries it hands to the blocking path.
 */
class ForwardedVolumeIoTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** A primary's data plane over a byte array: answers client reads, writes and flushes, or NOT_PRIMARY once demoted. */
    private static final class Primary implements DataRequestHandler {
        final byte[] disk = new byte[1 << 20];
        volatile boolean demoted;
        int flushes;

        @Override
        public synchronized CompletableFuture<Response> handle(String peer, Request request) {
            if (demoted) {
                return CompletableFuture.completedFuture(new Failure(ErrorCode.NOT_PRIMARY, "not the primary"));
            }
            return CompletableFuture.completedFuture(switch (request) {
                case ClientWrite w -> {
                    if (w.offset() + w.data().length > disk.length) {
                        yield new Failure(ErrorCode.BAD_REQUEST, "beyond the volume's end");
                    }
                    System.arraycopy(w.data(), 0, disk, (int) w.offset(), w.data().length);
                    yield new Ok(0);
                }
                case ClientRead r -> new Data(Arrays.copyOfRange(disk, (int) r.offset(), (int) r.offset() + r.length()));
                case ClientFlush f -> {
                    flushes++;
                    yield new Ok(0);
                }
                default -> new Failure(ErrorCode.BAD_REQUEST, "unexpected " + request);
            });
        }
    }

    private final InMemoryTransport transport = new InMemoryTransport("fwd", (node, incarnation) -> { });
    private final Primary p1 = new Primary();
    private final Primary p2 = new Primary();
    private final UUID id = UUID.randomUUID();
    private final AtomicReference<VolumeRecord> record = new AtomicReference<>(volumeOn("p1"));
    private final Map<String, HostPort> addresses = new ConcurrentHashMap<>();
    private final Primary local = new Primary();
    private final java.util.concurrent.atomic.AtomicInteger sends = new java.util.concurrent.atomic.AtomicInteger();
    private final DataTransport counted = new DataTransport() {
        @Override
        public CompletableFuture<Response> send(HostPort to, Request request, Duration timeout) {
            sends.incrementAndGet();
            return transport.send(to, request, timeout);
        }

        @Override
        public void disconnect(HostPort to) {
            transport.disconnect(to);
        }
    };

    private final java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
    /** (record, addresses, token): the token stays the same object while the answers do, as the metadata state's does. */
    private volatile Object[] lastVersion = {null, null, new Object()};

    private final ForwardingRoutes routes = new ForwardingRoutes() {
        @Override
        public Optional<VolumeRecord> volume(UUID v) {
            lookups.incrementAndGet();
            return Optional.ofNullable(record.get()).filter(r -> r.id().equals(v));
        }

        @Override
        public Object metadataVersion() {
            Object[] last = lastVersion;
            VolumeRecord r = record.get();
            Map<String, HostPort> a = Map.copyOf(addresses);
            if (last[0] == r && a.equals(last[1])) {
                return last[2];
            }
            Object[] next = {r, a, new Object()};
            lastVersion = next;
            return next[2];
        }

        @Override
        public String nodeId() {
            return "fwd";
        }

        @Override
        public Optional<HostPort> dataAddress(String nodeId) {
            return Optional.ofNullable(addresses.get(nodeId));
        }

        @Override
        public DataTransport transport() {
            return counted;
        }

        @Override
        public Duration timeout() {
            return TIMEOUT;
        }

        @Override
        public Response serveLocally(Request request) throws IOException {
            return DataClient.await(local.handle("fwd", request));
        }
    };

    private final ForwardedVolumeIo io;

    ForwardedVolumeIoTest() {
        transport.register("p1", new HostPort("127.0.0.1", 1), 1, p1);
        transport.register("p2", new HostPort("127.0.0.1", 2), 1, p2);
        addresses.put("p1", transport.address("p1"));
        addresses.put("p2", transport.address("p2"));
        io = new ForwardedVolumeIo(routes, record.get());
    }

    @AfterEach
    void close() {
        transport.close();
    }

    private VolumeRecord volumeOn(String node) {
        return new VolumeRecord(id, "db", VolumeType.PERSISTENT, 1 << 20, 4096, "fast-local-ssd", 1,
                AccessMode.READ_WRITE_ONCE, false, 0, node, List.of());
    }

    private static <T> T done(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void readsWritesAndFlushesStartWithoutBlockingAndReachThePrimary() throws Exception {
        AsyncVolumeIo async = io.async();
        byte[] data = new byte[4096];
        Arrays.fill(data, (byte) 7);
        assertNull(done(async.write(8192, data, WriteConcern.ACKNOWLEDGED)));
        assertArrayEquals(data, Arrays.copyOfRange(p1.disk, 8192, 8192 + 4096));
        assertArrayEquals(data, done(async.read(8192, 4096)));
        done(async.flush());
        assertEquals(1, p1.flushes);
        ClientWrite sent = (ClientWrite) transport.delivered("p1").getFirst();
        assertEquals(WriteConcern.ACKNOWLEDGED.ordinal(), sent.level(), "the caller's concern travels with the write");
    }

    @Test
    void theRouteIsResolvedOncePerMetadataVersion() throws Exception {
        AsyncVolumeIo async = io.async();
        done(async.write(0, new byte[] {1}, WriteConcern.ACKNOWLEDGED));
        int resolved = lookups.get();
        for (int i = 0; i < 10; i++) {
            done(async.write(4096L * i, new byte[] {2}, WriteConcern.ACKNOWLEDGED));
        }
        assertEquals(resolved, lookups.get(), "no metadata lookup while the metadata stays the same");
        assertEquals(11, transport.delivered("p1").size());
        // A failover publishes new metadata: the next request goes to the new primary without a failed attempt first.
        record.set(volumeOn("p2"));
        done(async.write(0, new byte[] {3}, WriteConcern.ACKNOWLEDGED));
        assertEquals(3, p2.disk[0]);
        assertEquals(11, transport.delivered("p1").size(), "nothing more went to the old primary");
        assertEquals(resolved + 1, lookups.get());
    }

    @Test
    void aPrimaryThatMovedAwayIsFollowedByTheBlockingRetries() throws Exception {
        p1.demoted = true;
        CompletableFuture<Void> write = io.async().write(0, new byte[] {1, 2, 3}, WriteConcern.DURABLE);
        // The retry path asks metadata again after its back-off: the failover finishes meanwhile.
        record.set(volumeOn("p2"));
        done(write);
        assertEquals(1, p2.disk[0]);
        assertEquals(3, p2.disk[2]);
    }

    @Test
    void aLostConnectionIsRetriedUntilThePrimaryAnswersAgain() throws Exception {
        transport.faults("p1").refuse();
        p1.disk[3] = 42;
        CompletableFuture<byte[]> read = io.async().read(0, 16);
        // the first attempt failed, and the blocking path's retries are failing too
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sends.get() >= 3);
        assertTrue(!read.isDone());
        transport.faults("p1").heal();
        assertEquals(42, done(read)[3]);
    }

    @Test
    void anErrorTheBlockingPathWouldNotRetryFailsTheFutureAtOnce() {
        CompletableFuture<Void> write = io.async().write((1 << 20) - 2, new byte[4], WriteConcern.ACKNOWLEDGED);
        ExecutionException e = assertThrows(ExecutionException.class, () -> done(write));
        DataClient.RemoteException remote = assertInstanceOf(DataClient.RemoteException.class, e.getCause());
        assertEquals(ErrorCode.BAD_REQUEST, remote.code());
        assertEquals(1, transport.delivered("p1").size(), "not sent again");
    }

    @Test
    void whenThePrimaryIsThisNodeOrUnreachableTheBlockingPathServesIt() throws Exception {
        addresses.remove("p1");
        assertNull(io.async().read(0, 16), "no address: the blocking path waits for one");
        record.set(volumeOn("fwd"));
        assertNull(io.async().write(0, new byte[1], WriteConcern.ACKNOWLEDGED));
        io.write(0, ByteBuffer.wrap(new byte[] {9}), WriteConcern.ACKNOWLEDGED);
        assertEquals(9, local.disk[0], "served by this node");
        assertTrue(transport.delivered("p1").isEmpty());
    }
}
