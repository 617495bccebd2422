package io.galleonfs.node.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A volume's replica operations: one at a time, in the order given, on a shared pool. */
class SerialExecutorTest {

    /**
     * Eight threads each give 5,000 numbered tasks to one serial executor: every thread's tasks run in its order, never
     * two at once, and all of them run; a task sees what the one before it wrote without any synchronisation of its own.
     */
    @Test
    void tasksRunOneAtATimeInTheOrderEachCallerGaveThem() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             ExecutorService callers = Executors.newFixedThreadPool(8)) {
            SerialExecutor serial = new SerialExecutor(pool);
            int perCaller = 5_000;
            AtomicInteger running = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            int[] lastSeen = new int[8]; // written by the tasks only: plain fields, ordered by the executor
            List<String> outOfOrder = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch done = new CountDownLatch(8 * perCaller);
            for (int c = 0; c < 8; c++) {
                int caller = c;
                callers.execute(() -> {
                    for (int i = 1; i <= perCaller; i++) {
                        int n = i;
                        serial.execute(() -> {
                            if (running.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            if (lastSeen[caller] != n - 1) {
                                outOfOrder.add(caller + ": " + lastSeen[caller] + " then " + n);
                            }
                            lastSeen[caller] = n;
                            running.decrementAndGet();
                            done.countDown();
                        });
                    }
                });
            }
            assertTrue(done.await(60, TimeUnit.SECONDS), "every task ran");
            assertEquals(0, overlaps.get(), "never two tasks at once");
            assertEquals(List.of(), outOfOrder);
        }
    }

    /**
     * A running task is shown the tasks queued behind it, in order, while producers keep adding: nothing it is shown
     * leaves the queue, every task still runs exactly once in its turn, and never two at once.
     */
    @Test
    void aRunningTaskSeesTheQueuedOnesWhichStillRunInTheirTurn() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             ExecutorService producer = Executors.newSingleThreadExecutor()) {
            SerialExecutor serial = new SerialExecutor(pool);
            int count = 20_000;
            List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
            List<String> problems = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger running = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(count);
            producer.execute(() -> {
                for (int i = 0; i < count; i++) {
                    int n = i;
                    serial.execute(new Numbered(n, () -> {
                        if (running.incrementAndGet() != 1) {
                            problems.add("overlap at " + n);
                        }
                        int[] expected = {n + 1};
                        serial.visitQueued(r -> {
                            int seen = ((Numbered) r).n;
                            if (seen != expected[0]++) {
                                problems.add("task " + n + " was shown " + seen + " where " + (expected[0] - 1) + " was due");
                            }
                            return expected[0] < n + 8;
                        });
                        ran.add(n);
                        running.decrementAndGet();
                        done.countDown();
                    }));
                }
            });
            assertTrue(done.await(60, TimeUnit.SECONDS), "every task ran");
            assertEquals(List.of(), problems);
            for (int i = 0; i < count; i++) {
                assertEquals(i, ran.get(i));
            }
        }
    }

    private record Numbered(int n, Runnable body) implements Runnable {
        @Override
        public void run() {
            body.run();
        }
    }

    @Test
    void aFailingTaskDoesNotStopTheOnesAfterIt() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            SerialExecutor serial = new SerialExecutor(pool);
            CountDownLatch after = new CountDownLatch(1);
            serial.execute(() -> {
                throw new IllegalStateException("boom");
            });
            serial.execute(after::countDown);
            assertTrue(after.await(30, TimeUnit.SECONDS));
        }
    }

    /** Shut down: new tasks are refused, the ones already queued still run (as a thread pool's shutdown does). */
    @Test
    void shutdownRefusesNewTasksAndRunsTheQueuedOnes() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            SerialExecutor serial = new SerialExecutor(pool);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch queuedRan = new CountDownLatch(1);
            serial.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            serial.execute(queuedRan::countDown);
            serial.shutdown();
            assertThrows(RejectedExecutionException.class, () -> serial.execute(() -> { }));
            release.countDown();
            assertTrue(queuedRan.await(30, TimeUnit.SECONDS));
        }
    }

    /** A pool that refuses (the node is closing) makes execute refuse too, and the executor holds no task for ever. */
    @Test
    void aRefusingPoolIsReportedToTheCaller() {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        pool.shutdown();
        SerialExecutor serial = new SerialExecutor(pool);
        assertThrows(RejectedExecutionException.class, () -> serial.execute(() -> { }));
        assertThrows(RejectedExecutionException.class, () -> serial.execute(() -> { }), "refused again, not queued behind a drain that never starts");
    }
}
