package io.galleonfs.node.audit;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * This node's append-only, hash-chained audit log under {@code <storage>/audit/} (JSON lines, files 0600). Callers
 * {@link #record} without waiting: one writer thread takes whatever has queued, appends it, and fsyncs once per batch,
 * so an API call never waits for the disk and never runs file I/O on an event loop. Durability: a record is on disk
 * when its batch's fsync returns, normally within milliseconds of the call; a power loss can lose the last batch,
 * never reorder records or keep half of one (a torn last line is cut off at the next start, with a WARN).
 * <p>
 * Rotation: records go to {@code audit.log}; once it holds {@code maxFileBytes} it is renamed to
 * {@code audit-<first seq, 19 digits>.log} and a new {@code audit.log} continues the same chain (its first record's
 * {@code prev} is the hash of the last record of the renamed file). Of the renamed files the newest {@code keepFiles}
 * are kept; before deleting an older one, its last record's seq and hash go to {@code pruned.json}, so verification
 * starts from the oldest kept record and still tells deleted-by-rotation from removed-by-someone.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AuditLog.class);
    static final int QUEUE = 65_536;
    private static final int MAX_BATCH = 4096;
    public static final long DEFAULT_MAX_FILE_BYTES = 64L << 20;
    public static final int DEFAULT_KEEP_FILES = 8;
    static final String ACTIVE = "audit.log";
    static final String PRUNED = "pruned.json";
    private static final Pattern ROTATED = Pattern.compile("audit-(\\d{19})\\.log");

    private final Path dir;
    private final Path file;
    private final long maxFileBytes;
    private final int keepFiles;
    /** Held while files change (append, rotate, prune) and while a reader opens its snapshot of them. */
    private final Object files = new Object();
    private FileChannel channel;
    private long activeFirstSeq;
    private final BlockingQueue<AuditRecord.Event> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private final Object appended = new Object();
    private volatile boolean closing;
    private long seq;
    private String prev;
    private final AtomicLong accepted = new AtomicLong();
    private volatile long handled;

    private AuditLog(Path file, FileChannel channel, long seq, String prev, long activeFirstSeq, long maxFileBytes, int keepFiles) {
        this.dir = file.getParent();
        this.file = file;
        this.channel = channel;
        this.seq = seq;
        this.prev = prev;
        this.activeFirstSeq = activeFirstSeq;
        this.maxFileBytes = maxFileBytes;
        this.keepFiles = keepFiles;
        this.writer = Thread.ofPlatform().name("galleon-audit-writer").daemon(true).unstarted(this::run);
    }

    public static Path fileOf(Path storage) {
        return storage.resolve("audit").resolve(ACTIVE);
    }

    /** Opens the log with the default rotation: 64 MiB files, 8 rotated files kept. */
    public static AuditLog open(Path storage) throws IOException {
        return open(storage, DEFAULT_MAX_FILE_BYTES, DEFAULT_KEEP_FILES);
    }

    /** Opens (creating if needed) the log under {@code storage} and continues its chain from the last record. */
    public static AuditLog open(Path storage, long maxFileBytes, int keepFiles) throws IOException {
        if (maxFileBytes < 1 || keepFiles < 1) {
            throw new IllegalArgumentException("audit rotation needs a file size and a number of files kept of at least 1");
        }
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
        List<Path> rotated = rotated(dir);
        // After a rotation (or a crash right after one) audit.log may be empty: the chain goes on from the newest rotated file.
        String last = lastLine(file);
        if (last == null && !rotated.isEmpty()) {
            last = lastLine(rotated.getLast());
        }
        if (last != null) {
            AuditRecord r = AuditChain.JSON.readValue(last, AuditRecord.class);
            seq = r.seq();
            prev = r.hash();
        }
        String first = firstLine(file);
        long activeFirst = first == null ? seq + 1 : AuditChain.JSON.readValue(first, AuditRecord.class).seq();
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        AuditLog log = new AuditLog(file, ch, seq, prev, activeFirst, maxFileBytes, keepFiles);
        log.prune(); // finishes a prune a crash interrupted, or applies a smaller keep setting
        log.writer.start();
        return log;
    }

    /** The rotated files, oldest first. */
    static List<Path> rotated(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> ROTATED.matcher(p.getFileName().toString()).matches()).sorted().toList();
        }
    }

    static String rotatedName(long firstSeq) {
        return String.format("audit-%019d.log", firstSeq);
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

    private static String firstLine(Path file) throws IOException {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.findFirst().orElse(null);
        }
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
        synchronized (files) {
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(false);
            seq = s;
            prev = p;
            if (channel.size() >= maxFileBytes) {
                try {
                    rotate();
                } catch (IOException e) {
                    // The records are written; only the rotation failed. The next batch tries again.
                    LOG.errorf(e, "audit log %s: rotation failed; appending to it meanwhile", file);
                    if (!channel.isOpen()) {
                        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND, StandardOpenOption.CREATE);
                    }
                }
            }
        }
    }

    /** Under {@link #files}: audit.log becomes a rotated file and a new, empty audit.log continues the chain. */
    private void rotate() throws IOException {
        channel.close();
        Path to = dir.resolve(rotatedName(activeFirstSeq));
        Files.move(file, to, StandardCopyOption.ATOMIC_MOVE);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        fsyncDirectory();
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        LOG.infof("audit log rotated: records %d to %d are in %s", activeFirstSeq, seq, to);
        activeFirstSeq = seq + 1;
        prune();
    }

    /** Deletes the oldest rotated files beyond {@code keepFiles}, noting the last deleted record first. */
    private void prune() throws IOException {
        List<Path> rotated = rotated(dir);
        for (int i = 0; i < rotated.size() - keepFiles; i++) {
            Path oldest = rotated.get(i);
            String last = lastLine(oldest);
            if (last != null) {
                AuditRecord r = AuditChain.JSON.readValue(last, AuditRecord.class);
                Path tmp = dir.resolve(PRUNED + ".tmp");
                Files.deleteIfExists(tmp);
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, AuditChain.JSON.writeValueAsString(new AuditChain.Pruned(r.seq(), r.hash())), StandardCharsets.UTF_8);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, dir.resolve(PRUNED), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                fsyncDirectory(); // the note is durable before the file it describes is gone
            }
            Files.delete(oldest);
            LOG.infof("audit log: deleted %s (keeping the newest %d rotated files)", oldest.getFileName(), keepFiles);
        }
    }

    private void fsyncDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
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

    /** One file of a consistent view: open before any rotation can rename or delete it, read up to its size then. */
    private record Segment(String name, FileChannel channel, long length) {
        BufferedReader reader() {
            InputStream raw = Channels.newInputStream(channel);
            InputStream bounded = new FilterInputStream(raw) {
                private long left = length;

                @Override
                public int read() throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int b = super.read();
                    if (b >= 0) {
                        left--;
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int n = super.read(b, off, (int) Math.min(len, left));
                    if (n > 0) {
                        left -= n;
                    }
                    return n;
                }
            };
            return new BufferedReader(new InputStreamReader(bounded, StandardCharsets.UTF_8));
        }
    }

    /** Receives lines oldest first; returns false to stop. */
    private interface LineVisitor {
        boolean visit(String file, long lineNo, String line) throws IOException;
    }

    /** Every line of the rotated files and audit.log, oldest first, as they were at the call (whole batches only). */
    private void forEachLine(LineVisitor visitor) throws IOException {
        List<Segment> segments = new ArrayList<>();
        try {
            synchronized (files) {
                List<Path> paths = new ArrayList<>(rotated(dir));
                paths.add(file);
                for (Path p : paths) {
                    FileChannel ch = FileChannel.open(p, StandardOpenOption.READ);
                    segments.add(new Segment(p.getFileName().toString(), ch, ch.size()));
                }
            }
            for (Segment s : segments) {
                try (BufferedReader r = s.reader()) {
                    long n = 0;
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (!visitor.visit(s.name(), ++n, line)) {
                            return;
                        }
                    }
                }
            }
        } finally {
            for (Segment s : segments) {
                s.channel().close();
            }
        }
    }

    /** Every line of the log (all kept files), oldest first. */
    public List<String> lines() throws IOException {
        List<String> out = new ArrayList<>();
        forEachLine((f, n, l) -> out.add(l));
        return out;
    }

    /** Records at or after {@code since}, oldest first, at most {@code limit}; across rotated files. */
    public List<AuditRecord> read(Instant since, int limit) throws IOException {
        List<AuditRecord> out = new ArrayList<>();
        forEachLine((f, n, l) -> {
            AuditRecord r;
            try {
                r = AuditChain.JSON.readValue(l, AuditRecord.class);
            } catch (IOException e) {
                return true; // verify reports it; listing shows what can be read
            }
            if (since == null || !Instant.parse(r.time()).isBefore(since)) {
                out.add(r);
            }
            return out.size() < limit;
        });
        return out;
    }

    /** Checks the chain across every kept file, from the genesis or from the last record rotation deleted. */
    public AuditChain.Verification verify() throws IOException {
        Path marker = dir.resolve(PRUNED);
        AuditChain.Pruned pruned;
        synchronized (files) {
            pruned = Files.isRegularFile(marker) ? AuditChain.JSON.readValue(Files.readString(marker), AuditChain.Pruned.class) : null;
        }
        AuditChain.Verifier v = new AuditChain.Verifier(pruned);
        forEachLine(v::accept);
        return v.result();
    }

    @Override
    public void close() throws IOException {
        closing = true;
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (files) {
            channel.close();
        }
    }
}
