package io.galleonfs.backup;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Restores one manifest's extent map in volume order. Extents are grouped so that one ranged read fetches several
 * neighbouring blobs of a pack; groups are fetched and checked on the worker pool (a few in flight, each at most
 * {@link ChunkReader#GROUP_BYTES}) and written by the calling thread in order. A chunk fetched for one extent serves
 * the later extents that use other pieces of it while it is among the {@link #RECENT_CHUNKS} most recent. Consecutive
 * extents are joined into writes of up to 1 MiB ({@link RestoreWrites}). Gaps are written as zeros.
 */
final class RestoreRun {
    private final BackupRepository repo;
    private final BackupManifest manifest;
    private final RestoreSink sink;
    private final Progress progress;
    private final Cancellation cancellation;
    private ExecutorService writers;
    private RestoreWrites writes;

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

    /** Chunks decoded recently, kept for the extents after them that use another piece of the same chunk. */
    static final int RECENT_CHUNKS = 16;
    /** Bounds the slots one plan adds when its extents all reuse recent chunks (no fetch to bound them). */
    static final int MAX_EXTENTS_PER_PLAN = 1024;

    /**
     * One extent to write: its chunk's decoded content (shared by every extent of that chunk fetched together or
     * recently) and the fetched bytes that are released from the in-flight budget once it is written.
     */
    private record Slot(int extent, CompletableFuture<ChunkReader.Decoded> decoded, long releaseBytes) {
    }

    void run() {
        BackupInfo info = manifest.info();
        if (sink.sizeBytes() < info.sizeBytes()) {
            throw new RestoreTargetTooSmallException("backup " + info.id() + " needs " + info.sizeBytes()
                    + " bytes but the restore target has " + sink.sizeBytes());
        }
        ExtentMap map = manifest.extents();
        ChunkReader.Location[] where = repo.locate(map);
        writers = Executors.newFixedThreadPool(WRITERS, r -> {
            Thread t = new Thread(r, "galleon-backup-restore-write");
            t.setDaemon(true);
            return t;
        });
        writes = new RestoreWrites(sink, writers, WRITERS);
        long total = info.sizeBytes();
        long budget = (long) Math.max(2, repo.options().threads() * 2) * ChunkReader.GROUP_BYTES;
        // An incremental's map alternates between pieces of its parent's 1 MiB chunks and the small chunks of changed
        // blocks, which sit in other packs: without this, every piece would fetch and decode its chunk again.
        Map<Integer, CompletableFuture<ChunkReader.Decoded>> recent = new LinkedHashMap<>(32, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, CompletableFuture<ChunkReader.Decoded>> eldest) {
                return size() > RECENT_CHUNKS;
            }
        };
        ArrayDeque<Slot> slots = new ArrayDeque<>();
        // Only fetches that may still run (to cancel them): a finished one must not be held, it holds its plaintext.
        ArrayDeque<CompletableFuture<?>> fetches = new ArrayDeque<>();
        long inFlight = 0;
        long cursor = 0;
        int i = 0;
        int n = map.extentCount();
        try {
            while (i < n || !slots.isEmpty()) {
                while (i < n && inFlight < budget) {
                    cancellation.check();
                    int from = i;
                    i = plan(map, where, from, recent, slots, fetches);
                    inFlight += slots.peekLast().releaseBytes();
                }
                while (!fetches.isEmpty() && fetches.peekFirst().isDone()) {
                    fetches.pollFirst();
                }
                Slot slot = slots.poll();
                ChunkReader.Decoded decoded = await(slot.decoded());
                cancellation.check();
                cursor = write(map, slot.extent(), decoded, cursor);
                inFlight -= slot.releaseBytes();
                progress.update(Phase.RESTORING, cursor, total);
            }
            writes.flush();
            writes.drain();
            if (cursor < info.sizeBytes()) {
                sink.writeZeros(cursor, info.sizeBytes() - cursor);
            }
            sink.flush();
            progress.update(Phase.DONE, total, total);
        } catch (IOException e) {
            throw new BackupException("cannot write the restore target: " + e.getMessage(), e);
        } finally {
            for (CompletableFuture<?> f : fetches) {
                f.cancel(true);
            }
            writes.drainQuietly();
            writers.shutdown();
        }
    }

    /**
     * Plans the extents from {@code from} on: those whose chunk was fetched recently (or earlier in this group) reuse
     * it; the others form one ranged read of neighbouring blobs in one pack, submitted to the workers. Returns the
     * first extent not planned; the last slot added carries the group's fetched bytes.
     */
    private int plan(ExtentMap map, ChunkReader.Location[] where, int from,
                     Map<Integer, CompletableFuture<ChunkReader.Decoded>> recent, ArrayDeque<Slot> slots,
                     ArrayDeque<CompletableFuture<?>> fetches) {
        List<ChunkReader.Location> locs = new ArrayList<>();
        Map<Integer, CompletableFuture<ChunkReader.Decoded>> planned = new HashMap<>();
        CompletableFuture<ChunkReader.Decoded[]> group = new CompletableFuture<>();
        List<CompletableFuture<ChunkReader.Decoded>> sources = new ArrayList<>(); // per extent from {@code from} on
        int to = from;
        while (to < map.extentCount() && sources.size() < MAX_EXTENTS_PER_PLAN) {
            int ref = map.chunkRef(to);
            CompletableFuture<ChunkReader.Decoded> source = planned.containsKey(ref) ? planned.get(ref) : recent.get(ref);
            if (source == null) {
                ChunkReader.Location next = where[ref];
                if (!locs.isEmpty() && !ChunkReader.joins(locs.getFirst(), locs.getLast(), next)) {
                    break;
                }
                int k = locs.size();
                locs.add(next);
                source = group.thenApply(all -> all[k]);
                planned.put(ref, source);
            }
            sources.add(source);
            to++;
        }
        long bytes = 0;
        if (!locs.isEmpty()) {
            List<ChunkReader.Location> fetch = List.copyOf(locs);
            for (ChunkReader.Location l : fetch) {
                bytes += l.blobLength() + (long) l.plainLength();
            }
            CompletableFuture<?> running = CompletableFuture.runAsync(() -> {
                try {
                    group.complete(ChunkReader.read(repo.store(), repo.keys(), fetch));
                } catch (RuntimeException e) {
                    group.completeExceptionally(e);
                }
            }, repo.workers());
            fetches.add(running);
        }
        recent.putAll(planned);
        for (int k = 0; k < sources.size(); k++) {
            slots.add(new Slot(from + k, sources.get(k), k == sources.size() - 1 ? bytes : 0));
        }
        return to;
    }

    private long write(ExtentMap map, int e, ChunkReader.Decoded d, long cursor) throws IOException {
        long off = map.volumeOffset(e);
        int len = map.length(e);
        if (!d.ok()) {
            throw new ChunkCorruptedException(Codecs.HEX.formatHex(d.location().id()), d.location().packId(),
                    off, len, d.error(), null);
        }
        int chunkOff = map.chunkOffset(e);
        if ((long) chunkOff + len > d.plain().length) {
            throw new ChunkCorruptedException(Codecs.HEX.formatHex(d.location().id()), d.location().packId(),
                    off, len, "the manifest refers to bytes beyond the chunk's end", null);
        }
        if (cursor < off) {
            writes.flush();
            writes.drain();
            sink.writeZeros(cursor, off - cursor);
        }
        writes.add(off, d.plain(), chunkOff, len);
        return off + len;
    }

    private static ChunkReader.Decoded await(Future<ChunkReader.Decoded> f) {
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
