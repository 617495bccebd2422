package io.galleonfs.backup;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Restores one manifest's extent map in volume order, fetching by pack. The extents are planned in windows of at most
 * {@link #WINDOW_BYTES} of chunks to fetch; a window's chunks are grouped by pack and each pack's are read as one
 * streamed span ({@link ChunkReader#stream}: one request for the blobs a window needs from a pack, usually most of
 * it, like restic's restorer, which reads each pack once from its first needed blob to its last), decoded on the
 * worker pool and handed over chunk by chunk; the calling thread writes in volume order. Grouping per window rather
 * than per run of neighbouring extents matters for an incremental: its map alternates between the parent's 1 MiB
 * chunks and the changed blocks' small chunks in another pack, which used to end a group at every change, so an S3
 * restore made one ranged GET per 1 MiB (and moto_server reads the whole pack object for each).
 *
 * <p>A chunk that later extents use again (the rest of an incremental's parent chunk, or a chunk repeated across the
 * volume) stays decoded while it is among the {@link #RECENT_CHUNKS} most recent and until its last use. Chunk
 * plaintexts live in re-used buffers ({@link PlainBuffers}) that go back once the last extent using them is written.
 * Consecutive extents are joined into writes of up to 1 MiB ({@link RestoreWrites}). Gaps are written as zeros once the
 * writes before them completed, unless the sink {@link RestoreSink#startsZeroed starts zeroed}: then they are skipped
 * and the writes go on.
 */
final class RestoreRun {
    private final BackupRepository repo;
    private final BackupManifest manifest;
    private final RestoreSink sink;
    private final Progress progress;
    private final Cancellation cancellation;
    private final PlainBuffers pool = new PlainBuffers();
    private volatile boolean stopped;
    private ExecutorService writers;
    private RestoreWrites writes;
    private int[] lastUse;
    private long requests;

    RestoreRun(BackupRepository repo, BackupManifest manifest, RestoreSink sink, Progress progress,
               Cancellation cancellation) {
        this.repo = repo;
        this.manifest = manifest;
        this.sink = sink;
        this.progress = progress;
        this.cancellation = cancellation;
    }

    /** Volume writes in flight at once: one being applied while the next is ordered. */
    static final int WRITERS = 2;

    /**
     * Chunk bytes one window fetches (its first chunk always, whatever its size); past it a window still takes the
     * chunks of packs it already reads, up to {@link #WINDOW_CAP_BYTES}, so it ends where a pack ends rather than one
     * chunk into the next pack (which the next window would then request again: an S3 server such as moto_server reads
     * the whole object for every ranged GET).
     */
    static final int WINDOW_BYTES = 16 << 20;
    /** Hard limit of one window's chunk bytes (a pack of compressible chunks holds more plaintext than its size). */
    static final int WINDOW_CAP_BYTES = 2 * WINDOW_BYTES;
    /** Windows fetched or waiting to be written at once: one being written while the next is fetched. */
    static final int WINDOWS = 2;
    /** Chunks decoded recently, kept for the extents after them that use another piece of the same chunk. */
    static final int RECENT_CHUNKS = 16;
    /** Bounds the slots one plan adds when its extents all reuse recent chunks (no fetch to bound them). */
    static final int MAX_EXTENTS_PER_PLAN = 1024;
    /** Bounds the extents planned ahead when windows fetch nothing (a volume of a few repeated chunks). */
    static final int MAX_SLOTS = 8 * MAX_EXTENTS_PER_PLAN;

    /**
     * A chunk being fetched or fetched: its decoded content and how many still need it (extents planned and not yet
     * written, plus one while it is among the recent chunks). The last one gives its buffer back to the pool.
     */
    private final class Hold {
        final CompletableFuture<ChunkReader.Decoded> decoded = new CompletableFuture<>();
        private final AtomicInteger refs = new AtomicInteger();

        void retain() {
            refs.incrementAndGet();
        }

        void release() {
            if (refs.decrementAndGet() == 0 && decoded.isDone() && !decoded.isCompletedExceptionally()) {
                ChunkReader.Decoded d = decoded.join();
                if (d.ok()) {
                    pool.give(d.plain());
                }
            }
        }
    }

    /** One extent to write, and the window's bytes released from the in-flight budget once it is written. */
    private record Slot(int extent, Hold hold, long releaseBytes) {
    }

    void run() {
        BackupInfo info = manifest.info();
        if (sink.sizeBytes() < info.sizeBytes()) {
            throw new RestoreTargetTooSmallException("backup " + info.id() + " needs " + info.sizeBytes()
                    + " bytes but the restore target has " + sink.sizeBytes());
        }
        ExtentMap map = manifest.extents();
        ChunkReader.Location[] where = repo.locate(map);
        int n = map.extentCount();
        lastUse = new int[map.chunkCount()];
        for (int e = 0; e < n; e++) {
            lastUse[map.chunkRef(e)] = e;
        }
        writers = Executors.newFixedThreadPool(WRITERS, r -> {
            Thread t = new Thread(r, "galleon-backup-restore-write");
            t.setDaemon(true);
            return t;
        });
        writes = new RestoreWrites(sink, writers, WRITERS);
        long total = info.sizeBytes();
        long budget = (long) WINDOWS * WINDOW_BYTES;
        Map<Integer, Hold> recent = new LinkedHashMap<>(32, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, Hold> eldest) {
                if (size() > RECENT_CHUNKS) {
                    eldest.getValue().release();
                    return true;
                }
                return false;
            }
        };
        ArrayDeque<Slot> slots = new ArrayDeque<>();
        // Only fetches that may still run: a finished one is dropped at once.
        ArrayDeque<CompletableFuture<?>> fetches = new ArrayDeque<>();
        long inFlight = 0;
        long cursor = 0;
        int i = 0;
        try {
            while (i < n || !slots.isEmpty()) {
                while (i < n && inFlight < budget && slots.size() < MAX_SLOTS) {
                    cancellation.check();
                    i = plan(map, where, i, recent, slots, fetches);
                    inFlight += slots.peekLast().releaseBytes();
                }
                while (!fetches.isEmpty() && fetches.peekFirst().isDone()) {
                    fetches.pollFirst();
                }
                Slot slot = slots.poll();
                ChunkReader.Decoded decoded = await(slot.hold().decoded);
                cancellation.check();
                cursor = write(map, slot, decoded, cursor);
                inFlight -= slot.releaseBytes();
                progress.update(Phase.RESTORING, cursor, total);
            }
            writes.flush();
            writes.drain();
            if (cursor < info.sizeBytes() && !sink.startsZeroed()) {
                sink.writeZeros(cursor, info.sizeBytes() - cursor);
            }
            sink.flush();
            progress.update(Phase.DONE, total, total);
        } catch (IOException e) {
            throw new BackupException("cannot write the restore target: " + e.getMessage(), e);
        } finally {
            stopped = true; // spans still streaming stop at their next chunk
            writes.drainQuietly();
            writers.shutdown();
        }
    }

    /** Streamed requests made so far (one per pack span). */
    long requests() {
        return requests;
    }

    /** Pooled chunk buffers this restore allocated. */
    int pooledBuffers() {
        return pool.allocated();
    }

    /**
     * Plans the extents from {@code from} on, up to one window of chunks to fetch: those whose chunk is decoded
     * already (recent, or earlier in this window) reuse it; the others are grouped by pack and each pack's read as
     * spans, submitted to the workers. Returns the first extent not planned; the last slot added carries the window's
     * bytes.
     */
    private int plan(ExtentMap map, ChunkReader.Location[] where, int from, Map<Integer, Hold> recent,
                     ArrayDeque<Slot> slots, ArrayDeque<CompletableFuture<?>> fetches) {
        Map<Integer, Hold> planned = new HashMap<>();
        Map<String, List<ChunkReader.Location>> byPack = new LinkedHashMap<>();
        List<Hold> sources = new ArrayList<>(); // per extent from {@code from} on
        long bytes = 0;
        int to = from;
        while (to < map.extentCount() && sources.size() < MAX_EXTENTS_PER_PLAN) {
            int ref = map.chunkRef(to);
            Hold hold = planned.get(ref);
            if (hold == null) {
                hold = recent.get(ref);
            }
            if (hold == null) {
                ChunkReader.Location l = where[ref];
                long after = bytes + l.plainLength();
                if (!planned.isEmpty() && after > WINDOW_BYTES
                        && (after > WINDOW_CAP_BYTES || !byPack.containsKey(packKey(l)))) {
                    break;
                }
                hold = new Hold();
                planned.put(ref, hold);
                byPack.computeIfAbsent(packKey(l), k -> new ArrayList<>()).add(l);
                bytes += l.plainLength();
            }
            hold.retain();
            sources.add(hold);
            to++;
        }
        for (List<ChunkReader.Location> inPack : byPack.values()) {
            inPack.sort(Comparator.comparingInt(ChunkReader.Location::offset));
            for (List<ChunkReader.Location> span : spans(inPack)) {
                submit(span, planned, fetches);
            }
        }
        // Chunks not used after this window need not stay decoded; those used later do (bounded by RECENT_CHUNKS).
        for (Iterator<Map.Entry<Integer, Hold>> it = recent.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, Hold> e = it.next();
            if (lastUse[e.getKey()] < to) {
                it.remove();
                e.getValue().release();
            }
        }
        for (Map.Entry<Integer, Hold> e : planned.entrySet()) {
            if (lastUse[e.getKey()] >= to) {
                e.getValue().retain();
                Hold old = recent.put(e.getKey(), e.getValue());
                if (old != null) {
                    old.release();
                }
            }
        }
        for (int k = 0; k < sources.size(); k++) {
            slots.add(new Slot(from + k, sources.get(k), k == sources.size() - 1 ? bytes : 0));
        }
        return to;
    }

    private static String packKey(ChunkReader.Location l) {
        return l.packId() == null ? "" : l.packId();
    }

    /** Splits one pack's chunks (ascending offsets) into spans that one streamed request each reads. */
    static List<List<ChunkReader.Location>> spans(List<ChunkReader.Location> inPack) {
        List<List<ChunkReader.Location>> out = new ArrayList<>();
        List<ChunkReader.Location> span = new ArrayList<>();
        for (ChunkReader.Location l : inPack) {
            if (!span.isEmpty() && (l.packId() == null || !ChunkReader.spans(span.getFirst(), span.getLast(), l))) {
                out.add(span);
                span = new ArrayList<>();
            }
            span.add(l);
        }
        if (!span.isEmpty()) {
            out.add(span);
        }
        return out;
    }

    private void submit(List<ChunkReader.Location> span, Map<Integer, Hold> planned,
                        ArrayDeque<CompletableFuture<?>> fetches) {
        Hold[] holds = new Hold[span.size()];
        for (int k = 0; k < holds.length; k++) {
            holds[k] = planned.get(span.get(k).ref());
        }
        requests++;
        fetches.add(CompletableFuture.runAsync(() -> {
            int[] next = {0};
            try {
                ChunkReader.stream(repo.store(), repo.keys(), span, pool, () -> stopped,
                        d -> holds[next[0]++].decoded.complete(d));
            } catch (RuntimeException e) {
                for (Hold h : holds) {
                    h.decoded.completeExceptionally(e);
                }
            }
        }, repo.workers()));
    }

    private long write(ExtentMap map, Slot slot, ChunkReader.Decoded d, long cursor) throws IOException {
        int e = slot.extent();
        long off = map.volumeOffset(e);
        int len = map.length(e);
        if (!d.ok()) {
            throw new ChunkCorruptedException(Codecs.HEX.formatHex(d.location().id()), d.location().packId(),
                    off, len, d.error(), null);
        }
        int chunkOff = map.chunkOffset(e);
        if ((long) chunkOff + len > d.location().plainLength()) {
            throw new ChunkCorruptedException(Codecs.HEX.formatHex(d.location().id()), d.location().packId(),
                    off, len, "the manifest refers to bytes beyond the chunk's end", null);
        }
        if (cursor < off && !sink.startsZeroed()) {
            writes.flush();
            writes.drain();
            sink.writeZeros(cursor, off - cursor);
        }
        writes.add(off, d.plain(), chunkOff, len, slot.hold()::release);
        return off + len;
    }

    private static ChunkReader.Decoded await(CompletableFuture<ChunkReader.Decoded> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupCancelledException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new BackupException("restore worker failed: " + e.getCause(), e.getCause());
        }
    }
}
