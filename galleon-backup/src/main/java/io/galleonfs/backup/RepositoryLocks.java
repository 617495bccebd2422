package io.galleonfs.backup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Lock objects {@code locks/<random>}: backups (and copies into the repository) hold shared locks, prune an exclusive
 * one. A holder writes its lock first, then lists all locks and backs off if a conflicting live lock exists, so two
 * racing processes can both back off but never both proceed. Locks are refreshed every expiry/3; a lock whose
 * refresh time is older than the expiry belongs to a crashed process and is ignored (and removed by prune). A backup
 * checks its lock is still live right before writing its manifest, so a prune that started after the lock went stale
 * can never delete chunks the manifest needs.
 *
 * <p>Lease rule: a lock is live while (1) its refresh time is within the expiry, and (2) its holder process can still
 * exist: a lock written on this host by a process that is gone (no such pid, or that pid now belongs to a process
 * started at another time: a {@code kill -9}'ed node) is stale at once, and so is a lock written by this very process
 * that it no longer holds (its release failed, e.g. the target went away). Holders on other hosts are judged by the
 * expiry alone. Shared locks never conflict, so a stale backup lock only delays a prune; a stale prune lock delays
 * backups at most until the expiry, or not at all when the dead prune ran on this host.
 * Format: {@code "GLNLOCK2" | exclusive u8 | refreshed millis | host | pid | process start millis} (version 1 lacks
 * the start time and is judged by host and pid).
 */
final class RepositoryLocks {
    static final String PREFIX = "locks/";
    private static final Logger LOG = Logger.getLogger(RepositoryLocks.class);
    private static final byte[] MAGIC_V1 = Codecs.ascii("GLNLOCK1");
    private static final byte[] MAGIC = Codecs.ascii("GLNLOCK2");
    private static final long OWN_START = startMillis(ProcessHandle.current());

    /** {@code processStartMillis} is 0 when unknown (version 1 locks). */
    record LockInfo(String key, boolean exclusive, Instant refreshed, String host, long pid, long processStartMillis) {
    }

    /** Keys of the locks this process holds now, through any repository handle (keys are random, so one set serves all). */
    private static final java.util.Set<String> heldKeys = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final ObjectStore store;
    private final Duration expiry;
    private final ScheduledExecutorService timer;

    RepositoryLocks(ObjectStore store, Duration expiry, ScheduledExecutorService timer) {
        this.store = store;
        this.expiry = expiry;
        this.timer = timer;
    }

    /** A lock this process holds; close releases it. */
    final class Held implements AutoCloseable {
        private final String key;
        private final boolean exclusive;
        private volatile long lastRefreshMillis;
        private final ScheduledFuture<?> refresher;

        private Held(String key, boolean exclusive) {
            this.key = key;
            this.exclusive = exclusive;
            heldKeys.add(key);
            write();
            long period = Math.max(1, expiry.toMillis() / 3);
            this.refresher = timer.scheduleAtFixedRate(this::refresh, period, period, TimeUnit.MILLISECONDS);
        }

        private void write() {
            long now = System.currentTimeMillis();
            store.put(key, encode(exclusive, now));
            lastRefreshMillis = now;
        }

        private void refresh() {
            try {
                write();
            } catch (RuntimeException e) {
                LOG.warnf(e, "cannot refresh repository lock %s on %s", key, store.describe());
            }
        }

        /** Throws unless the lock was refreshed within the expiry and still exists. */
        void checkValid() {
            if (System.currentTimeMillis() - lastRefreshMillis >= expiry.toMillis() || !store.exists(key)) {
                throw new RepositoryLockedException("lost the repository lock on " + store.describe()
                        + " (not refreshed within " + expiry + "); nothing was committed");
            }
        }

        @Override
        public void close() {
            refresher.cancel(false);
            heldKeys.remove(key);
            try {
                store.delete(key);
            } catch (RuntimeException e) {
                LOG.warnf(e, "cannot remove repository lock %s on %s; it expires after %s", key, store.describe(),
                        expiry);
            }
        }
    }

    Held acquire(boolean exclusive) {
        String key = PREFIX + Codecs.HEX.formatHex(RepositoryKeys.randomBytes(16));
        Held held = new Held(key, exclusive);
        try {
            for (LockInfo other : live()) {
                if (other.key().equals(key)) {
                    continue;
                }
                if (exclusive || other.exclusive()) {
                    throw new RepositoryLockedException("the backup repository on " + store.describe() + " is locked"
                            + (other.exclusive() ? " by a prune" : " by a running backup") + " (host " + other.host()
                            + ", pid " + other.pid() + ", refreshed " + other.refreshed() + "); retry later");
                }
            }
            return held;
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
    }

    List<LockInfo> all() {
        List<LockInfo> out = new ArrayList<>();
        for (ObjectInfo o : store.list(PREFIX)) {
            try {
                out.add(decode(o.key(), store.get(o.key())));
            } catch (ObjectNotFoundException gone) {
                // released while listing
            } catch (RepositoryCorruptedException e) {
                LOG.warnf("ignoring unreadable lock object %s: %s", o.key(), e.getMessage());
            }
        }
        return out;
    }

    List<LockInfo> live() {
        return all().stream().filter(l -> !stale(l)).toList();
    }

    /** The lease rule of the class comment. */
    boolean stale(LockInfo l) {
        if (!l.refreshed().isAfter(Instant.now().minus(expiry))) {
            return true;
        }
        if (!l.host().equals(hostName())) {
            return false;
        }
        if (l.pid() == ProcessHandle.current().pid() && (l.processStartMillis() == 0 || l.processStartMillis() == OWN_START)) {
            return !heldKeys.contains(l.key());
        }
        java.util.Optional<ProcessHandle> p = ProcessHandle.of(l.pid());
        if (p.isEmpty() || !p.get().isAlive()) {
            return true;
        }
        return l.processStartMillis() != 0 && startMillis(p.get()) != 0 && startMillis(p.get()) != l.processStartMillis();
    }

    /** Removes locks of crashed processes (prune, under its exclusive lock). */
    int removeStale() {
        int n = 0;
        for (LockInfo l : all()) {
            if (stale(l)) {
                store.delete(l.key());
                n++;
            }
        }
        return n;
    }

    private static byte[] encode(boolean exclusive, long millis) {
        return encode(exclusive, millis, hostName(), ProcessHandle.current().pid(), OWN_START);
    }

    static byte[] encode(boolean exclusive, long millis, String host, long pid, long processStartMillis) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.write(MAGIC);
            out.writeBoolean(exclusive);
            out.writeLong(millis);
            out.writeUTF(host);
            out.writeLong(pid);
            out.writeLong(processStartMillis);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bos.toByteArray();
    }

    private static LockInfo decode(String key, byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            boolean v2 = Arrays.equals(magic, MAGIC);
            if (!v2 && !Arrays.equals(magic, MAGIC_V1)) {
                throw new RepositoryCorruptedException("lock " + key + " has no lock magic");
            }
            return new LockInfo(key, in.readBoolean(), Instant.ofEpochMilli(in.readLong()), in.readUTF(),
                    in.readLong(), v2 ? in.readLong() : 0);
        } catch (IOException e) {
            throw new RepositoryCorruptedException("lock " + key + " is truncated", e);
        }
    }

    static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
