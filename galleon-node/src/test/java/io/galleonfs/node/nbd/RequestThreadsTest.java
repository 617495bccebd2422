package io.galleonfs.node.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;

class RequestThreadsTest {

    /** Polls often: a thread goes idle microseconds after its call returned. */
    private static ConditionFactory await() {
        return Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
    }

    @Test
    void callsOneAfterAnotherRunOnTheSameThread() throws Exception {
        RequestThreads threads = new RequestThreads("test-");
        try {
            Set<Thread> seen = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                seen.add(CompletableFuture.supplyAsync(Thread::currentThread, threads).get(10, TimeUnit.SECONDS));
                // The thread is idle again a moment after its call returned; the next call must find it there.
                await().until(() -> threads.idle() == 1);
            }
            assertEquals(1, seen.size(), "per-thread caches stay warm only if the same thread runs the next call: " + seen);
            Thread t = seen.iterator().next();
            assertTrue(t.isVirtual());
            assertTrue(t.getName().startsWith("test-"), t.getName());
        } finally {
            threads.shutdown();
        }
    }

    @Test
    void callsInFlightTogetherRunSideBySide() throws Exception {
        RequestThreads threads = new RequestThreads("test-");
        try {
            // Each call waits until all of them started: they only finish if none waits for another to end.
            int calls = NbdSession.MAX_IN_FLIGHT;
            CountDownLatch started = new CountDownLatch(calls);
            Set<Thread> ran = ConcurrentHashMap.newKeySet();
            CompletableFuture<?>[] done = new CompletableFuture<?>[calls];
            for (int i = 0; i < calls; i++) {
                done[i] = CompletableFuture.runAsync(() -> {
                    ran.add(Thread.currentThread());
                    started.countDown();
                    try {
                        started.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, threads);
            }
            CompletableFuture.allOf(done).get(30, TimeUnit.SECONDS);
            // All of them are reused afterwards: the next wave starts no thread.
            await().until(() -> threads.idle() == calls);
            assertEquals(calls, ran.size());
            Thread next = CompletableFuture.supplyAsync(Thread::currentThread, threads).get(10, TimeUnit.SECONDS);
            assertTrue(ran.contains(next), "the next call runs on one of the idle threads");
        } finally {
            threads.shutdown();
        }
    }

    @Test
    void aCallThatLeavesItsThreadInterruptedDoesNotSpinTheIdleThread() throws Exception {
        RequestThreads threads = new RequestThreads("test-");
        try {
            Thread t = CompletableFuture.supplyAsync(() -> {
                Thread.currentThread().interrupt();
                return Thread.currentThread();
            }, threads).get(10, TimeUnit.SECONDS);
            await().until(() -> t.getState() == Thread.State.WAITING);
            assertEquals(t, CompletableFuture.supplyAsync(Thread::currentThread, threads).get(10, TimeUnit.SECONDS));
        } finally {
            threads.shutdown();
        }
    }

    @Test
    void shutdownEndsIdleThreadsAndRefusesCalls() throws Exception {
        RequestThreads threads = new RequestThreads("test-");
        Thread t = CompletableFuture.supplyAsync(Thread::currentThread, threads).get(10, TimeUnit.SECONDS);
        await().until(() -> threads.idle() == 1);
        threads.shutdown();
        assertTrue(t.join(Duration.ofSeconds(10)), "the idle thread ends");
        assertThrows(RejectedExecutionException.class, () -> threads.execute(() -> { }));
    }

    @Test
    void aThreadBusyAtShutdownEndsAfterItsCall() throws Exception {
        RequestThreads threads = new RequestThreads("test-");
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Thread> running = new CompletableFuture<>();
        threads.execute(() -> {
            running.complete(Thread.currentThread());
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread t = running.get(10, TimeUnit.SECONDS);
        threads.shutdown();
        release.countDown();
        assertTrue(t.join(Duration.ofSeconds(10)), "the thread ends once its call returned");
        assertEquals(0, threads.idle());
    }
}
