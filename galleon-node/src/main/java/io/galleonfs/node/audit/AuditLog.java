package io.galleonfs.node.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * This node's append-only, hash-chained audit log at {@code <storage>/audit/audit.log} (JSON lines, file 0600). Callers
 * {@link #record} without waiting: one writer thread takes whatever has queued, appends it, and fsyncs once per batch,
 * so an API call never waits for the disk and never runs file I/O on an event loop. Durability: a record is on disk
 * when its batch's fsync returns, normally within milliseconds of the call; a power loss can lose the last batch,
 * never reorder records or keep half of one (a torn last line is cut off at the next start, with a WARN).
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AuditLog.class);
    static final int QUEUE = 65_536;
    private static final int MAX_BATCH = 4096;

    private final Path file;
    private final FileChannel channel;
    private final BlockingQueue<AuditRecord.Event> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private final Object appended = new Object();
    private volatile boolean closing;
    private long seq;
    private String prev;
    private final AtomicLong accepted = new AtomicLong();
    private volatile long handled;

    private AuditLog(Path file, FileChannel channel, long seq, String prev) {
        this.file = file;
        this.channel = channel;
        this.seq = seq;
        this.prev = prev;
        this.writer = Thread.ofPlatform().name("galleon-audit-writer").daemon(true).unstarted(this::run);
    }

    public static Path fileOf(Path storage) {
        return storage.resolve("audit").resolve("audit.log");
    }

    /** Opens (creating if needed) the log under {@code storage} and continues its chain from the last record. */
    public static AuditLog open(Path storage) throws IOException {
        Path file = fileOf(storage);
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        cutTornTail(file);
        long seq = 0;
        String prev = AuditRecord.GENESIS;
        String last = lastLine(file);
        if (last != null) {
            AuditRecord r = AuditChain.JSON.readValue(last, AuditRecord.class);
            seq = r.seq();
            prev = r.hash();
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        AuditLog log = new AuditLog(file, ch, seq, prev);
        log.writer.start();
        return log;
    }

    /** A crash mid-append can leave a last line without its newline: it was never acknowledged as durable, so drop it. */
    private static void cutTornTail(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size == 0) {
                return;
            }
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, size - 1);
            if (one.get(0) == '\n') {
                return;
            }
            long keep = size - 1;
            while (keep > 0) {
                one.clear();
                ch.read(one, keep - 1);
                if (one.get(0) == '\n') {
                    break;
                }
                keep--;
            }
            LOG.warnf("audit log %s ended in a torn record (%d bytes, a crash during an append); cutting it off", file, size - keep);
            ch.truncate(keep);
            ch.force(true);
        }
    }

    private static String lastLine(Path file) throws IOException {
        String last = null;
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            for (String l : (Iterable<String>) lines::iterator) {
                last = l;
            }
        }
        return last;
    }

    /** Queues an event; never blocks. If the queue is full the event is counted and the next record says how many were lost. */
    public void record(AuditRecord.Event event) {
        if (!closing && queue.offer(event)) {
            accepted.incrementAndGet();
        } else {
            if (dropped.getAndIncrement() == 0) {
                LOG.errorf("audit log %s cannot keep up (or is closed): records are being dropped", file);
            }
        }
    }

    private void run() {
        List<AuditRecord.Event> batch = new ArrayList<>();
        while (!closing || !queue.isEmpty()) {
            try {
                AuditRecord.Event first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                append(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                LOG.errorf(e, "audit log %s: %d records could not be written", file, batch.size());
                dropped.addAndGet(batch.size());
            } finally {
                handled += batch.size();
                batch.clear();
                synchronized (appended) {
                    appended.notifyAll();
                }
            }
        }
    }

    private void append(List<AuditRecord.Event> batch) throws IOException {
        StringBuilder text = new StringBuilder();
        long s = seq;
        String p = prev;
        for (AuditRecord.Event e : batch) {
            long lost = dropped.getAndSet(0);
            AuditRecord r = AuditChain.seal(AuditRecord.unsealed(++s, e, lost == 0 ? null : lost, p));
            text.append(AuditChain.json(r)).append('\n');
            p = r.hash();
        }
        ByteBuffer buf = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        channel.force(false);
        seq = s;
        prev = p;
    }

    /** Waits until every record queued before this call has been written and fsynced (or failed, and was logged). */
    public boolean awaitWritten(long timeoutMillis) throws InterruptedException {
        long target = accepted.get();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (appended) {
            while (handled < target) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                appended.wait(Math.min(left, 50));
            }
        }
        return true;
    }

    public Path file() {
        return file;
    }

    /** Every line of the log, oldest first. */
    public List<String> lines() throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    /** Records at or after {@code since}, oldest first, at most {@code limit}. */
    public List<AuditRecord> read(Instant since, int limit) throws IOException {
        List<AuditRecord> out = new ArrayList<>();
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            for (String l : (Iterable<String>) lines::iterator) {
                AuditRecord r;
                try {
                    r = AuditChain.JSON.readValue(l, AuditRecord.class);
                } catch (IOException e) {
                    continue; // verify reports it; listing shows what can be read
                }
                if (since == null || !Instant.parse(r.time()).isBefore(since)) {
                    out.add(r);
                    if (out.size() >= limit) {
                        break;
                    }
                }
            }
        }
        return out;
    }

    public AuditChain.Verification verify() throws IOException {
        return AuditChain.verify(lines());
    }

    @Override
    public void close() throws IOException {
        closing = true;
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
    }
}
