package io.galleonfs.engine;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Waiting for a volume to be created: woken by the create, not by a poll, and never missing one. */
class VolumeArrivalsTest {
    private static final long LONG = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path tmp;

    @Test
    void aWaiterIsWokenByTheArrivalAndTheGateIsGoneAfterwards() throws Exception {
        VolumeArrivals arrivals = new VolumeArrivals();
        Map<UUID, String> volumes = new ConcurrentHashMap<>();
        UUID id = UUID.randomUUID();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<Optional<String>> first = CompletableFuture.supplyAsync(() -> awaitQuietly(arrivals, id, volumes), pool);
            CompletableFuture<Optional<String>> second = CompletableFuture.supplyAsync(() -> awaitQuietly(arrivals, id, volumes), pool);
            await().atMost(Duration.ofSeconds(30)).until(() -> arrivals.waiting() == 2);
            volumes.put(id, "storage");
            arrivals.arrived(id);
            // a 60 s wait that returns at all was woken: no poll runs in between
            assertEquals(Optional.of("storage"), first.get(30, TimeUnit.SECONDS));
            assertEquals(Optional.of("storage"), second.get(30, TimeUnit.SECONDS));
        }
        assertEquals(0, arrivals.waiting());
    }

    @Test
    void aVolumeThatIsAlreadyThereOrNeverComesIsAnsweredWithoutWaitingForAWakeUp() throws Exception {
        VolumeArrivals arrivals = new VolumeArrivals();
        UUID id = UUID.randomUUID();
        assertEquals(Optional.of("x"), arrivals.await(id, LONG, k -> Optional.of("x")));
        assertEquals(Optional.empty(), arrivals.await(id, TimeUnit.MILLISECONDS.toNanos(20), k -> Optional.empty()));
        assertEquals(0, arrivals.waiting());
    }

    @Test
    void arrivalsRacingTheWaitsAreNeverMissed() throws Exception {
        VolumeArrivals arrivals = new VolumeArrivals();
        Map<UUID, String> volumes = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 2_000; i++) {
                UUID id = UUID.randomUUID();
                CompletableFuture<Optional<String>> waiter = CompletableFuture.supplyAsync(() -> awaitQuietly(arrivals, id, volumes), pool);
                pool.execute(() -> {
                    volumes.put(id, "v");
                    arrivals.arrived(id);
                });
                assertEquals(Optional.of("v"), waiter.get(30, TimeUnit.SECONDS), "wait " + i);
            }
        }
        assertEquals(0, arrivals.waiting());
    }

    /** An arrival the waiter's look misses (the volume went again) leaves it waiting for the next one, not stuck. */
    @Test
    void aWaiterWhoseVolumeWentAgainIsWokenByItsNextArrival() throws Exception {
        VolumeArrivals arrivals = new VolumeArrivals();
        Map<UUID, String> volumes = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger looks = new java.util.concurrent.atomic.AtomicInteger();
        UUID id = UUID.randomUUID();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<Optional<String>> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    return arrivals.await(id, LONG, k -> {
                        looks.incrementAndGet();
                        return Optional.ofNullable(volumes.get(k));
                    });
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, pool);
            await().atMost(Duration.ofSeconds(30)).until(() -> arrivals.waiting() == 1 && looks.get() == 1);
            arrivals.arrived(id); // as if the volume came and went before the waiter looked again
            await().atMost(Duration.ofSeconds(30)).until(() -> looks.get() == 2);
            volumes.put(id, "again");
            arrivals.arrived(id);
            assertEquals(Optional.of("again"), waiter.get(30, TimeUnit.SECONDS));
        }
        assertEquals(0, arrivals.waiting());
    }

    @ParameterizedTest
    @ValueSource(strings = {StorageFormat.LOG_V1, StorageFormat.LAYERS_V1})
    void anEngineWakesTheWaiterOfTheVolumeItCreates(String format) throws Exception {
        try (BlockEngine engine = BlockEngine.open(TestSupport.config(tmp.resolve(format)).withFormat(format));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            UUID id = UUID.randomUUID();
            CompletableFuture<Optional<Volume>> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    return engine.awaitVolume(id, LONG);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, pool);
            engine.create(id, 1 << 20, false);
            Optional<Volume> found = waiter.get(30, TimeUnit.SECONDS);
            assertTrue(found.isPresent());
            assertEquals(id, found.get().id());
        }
    }

    private static Optional<String> awaitQuietly(VolumeArrivals arrivals, UUID id, Map<UUID, String> volumes) {
        try {
            return arrivals.await(id, LONG, k -> Optional.ofNullable(volumes.get(k)));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
