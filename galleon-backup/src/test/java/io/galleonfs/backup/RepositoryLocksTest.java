package io.galleonfs.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock lease rule: expiry, plus the holder's liveness when it ran on this host. */
class RepositoryLocksTest {
    @TempDir
    Path dir;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private RepositoryLocks locks(ObjectStore store) {
        return new RepositoryLocks(store, Duration.ofMinutes(30), timer);
    }

    private static ProcessHandle finishedProcess() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.toHandle();
    }

    @Test
    void anExclusiveLockOfAKilledProcessOnThisHostDoesNotBlockABackup() throws Exception {
        ObjectStore store = new DirectoryObjectStore(dir);
        ProcessHandle dead = finishedProcess();
        store.put(RepositoryLocks.PREFIX + "dead", RepositoryLocks.encode(true, System.currentTimeMillis(), RepositoryLocks.hostName(),
                dead.pid(), System.currentTimeMillis() - 60_000));
        RepositoryLocks locks = locks(store);
        assertTrue(locks.live().isEmpty(), "the holder is gone: its lock is stale though refreshed just now");
        try (RepositoryLocks.Held h = locks.acquire(false)) {
            assertEquals(1, locks.live().size());
        }
        try (RepositoryLocks.Held h = locks.acquire(true)) {
            assertEquals(1, locks.removeStale());
        }
    }

    @Test
    void aLockOfALiveProcessOnThisHostOrOfAnotherHostHoldsUntilItsExpiry() throws Exception {
        ObjectStore store = new DirectoryObjectStore(dir);
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            long start = RepositoryLocks.startMillis(sleeper.toHandle());
            store.put(RepositoryLocks.PREFIX + "alive", RepositoryLocks.encode(true, System.currentTimeMillis(), RepositoryLocks.hostName(),
                    sleeper.pid(), start));
            RepositoryLocks locks = locks(store);
            assertEquals(1, locks.live().size());
            assertThrows(RepositoryLockedException.class, () -> locks.acquire(false));
            // The same pid reused by another process (another start time) is a dead holder.
            store.put(RepositoryLocks.PREFIX + "alive", RepositoryLocks.encode(true, System.currentTimeMillis(), RepositoryLocks.hostName(),
                    sleeper.pid(), start - 5_000));
            assertTrue(locks.live().isEmpty());
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
        store.put(RepositoryLocks.PREFIX + "elsewhere", RepositoryLocks.encode(true, System.currentTimeMillis(), "another-host", 1, 1));
        assertEquals(1, locks(store).live().size(), "a holder on another host is judged by the expiry alone");
        store.put(RepositoryLocks.PREFIX + "elsewhere", RepositoryLocks.encode(true, System.currentTimeMillis() - Duration.ofMinutes(31).toMillis(),
                "another-host", 1, 1));
        assertTrue(locks(store).live().isEmpty(), "not refreshed within the expiry");
    }

    @Test
    void aLockThisProcessFailedToReleaseIsStaleButOneItHoldsIsNot() {
        ObjectStore store = new DirectoryObjectStore(dir);
        RepositoryLocks locks = locks(store);
        RepositoryLocks other = locks(store);
        RepositoryLocks.Held held = other.acquire(false);
        assertThrows(RepositoryLockedException.class, () -> locks.acquire(true), "a lock held through another handle of this process");
        byte[] copy = store.get(locks.all().getFirst().key());
        held.close();
        // The release "failed": the object stayed although this process holds it no more.
        store.put(RepositoryLocks.PREFIX + "leftover", copy);
        assertFalse(locks.all().isEmpty());
        assertTrue(locks.live().isEmpty());
        try (RepositoryLocks.Held h = locks.acquire(true)) {
            assertEquals(1, locks.removeStale());
        }
    }
}
