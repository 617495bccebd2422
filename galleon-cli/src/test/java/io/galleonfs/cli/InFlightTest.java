package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InFlightTest {

    @Test
    void resultsComeInSubmissionOrderWhateverOrderTheRequestsFinishIn() {
        CountDownLatch lastFinished = new CountDownLatch(1);
        List<Integer> taken = new ArrayList<>();
        try (InFlight<Integer> requests = new InFlight<>(3)) {
            requests.submit(() -> {
                assertTrue(lastFinished.await(10, TimeUnit.SECONDS)); // the first one finishes last
                return 1;
            });
            requests.submit(() -> 2);
            requests.submit(() -> {
                lastFinished.countDown();
                return 3;
            });
            while (!requests.isEmpty()) {
                taken.add(requests.takeOldest());
            }
        }
        assertEquals(List.of(1, 2, 3), taken);
    }

    @Test
    void atMostDepthRequestsRunAtOnce() throws Exception {
        AtomicInteger running = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        try (InFlight<Integer> requests = new InFlight<>(4)) {
            for (int i = 0; i < 4; i++) {
                assertFalse(requests.full());
                requests.submit(() -> {
                    running.incrementAndGet();
                    assertTrue(release.await(10, TimeUnit.SECONDS));
                    return 0;
                });
            }
            assertTrue(requests.full(), "four outstanding: the caller takes the oldest before a fifth");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> running.get() == 4);
            release.countDown();
            requests.takeOldest();
            assertFalse(requests.full());
            requests.submit(() -> running.incrementAndGet());
            while (!requests.isEmpty()) {
                requests.takeOldest();
            }
        }
        assertEquals(5, running.get());
    }

    @Test
    void aFailedRequestIsRethrownAsItsOwnExceptionWhenItsResultIsTaken() {
        ErrorHandler.CliException failure = new ErrorHandler.CliException("the daemon returned 3 bytes where 4 were asked");
        try (InFlight<Integer> requests = new InFlight<>(2)) {
            requests.submit(() -> 1);
            requests.submit(() -> {
                throw failure;
            });
            assertEquals(1, requests.takeOldest());
            assertSame(failure, assertThrows(ErrorHandler.CliException.class, requests::takeOldest));
            assertTrue(requests.isEmpty());
        }
    }
}
