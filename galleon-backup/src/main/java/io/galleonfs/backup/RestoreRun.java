package io.galleonfs.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Restores one manifest's extent map in volume order. Extents are grouped so that one ranged read fetches several
 * neighbouring blobs of a pack; groups are fetched and checked on the worker pool (a few in flight, each at most
 * {@link ChunkReader#GROUP_BYTES}) and written by the calling thread in order. Gaps are written as zeros.
 */
final class RestoreRun {
    private final BackupRepository repo;
    private final BackupManifest manifest;
    private final RestoreSink sink;
    private final Progress progress;
    private final Cancellation cancellation;

    RestoreRun(BackupRepository repo, BackupManifest manifest, RestoreSink sink, Progress progress,
               Cancellation cancellation) {
        this.repo = repo;
        this.manifest = manifest;
        this.sink = sink;
        this.progress = progress;
        this.cancellation = cancellation;
    }

    /** Extents [from, to) of the map and the blobs they need, in extent order. */
    private record Group(int from, int to, List<ChunkReader.Location> locations) {
    }

    void run() {
        BackupInfo info = manifest.info();
        if (sink.sizeBytes() < info.sizeBytes()) {
            throw new RestoreTargetTooSmallException("backup " + info.id() + " needs " + info.sizeBytes()
                    + " bytes but the restore target has " + sink.sizeBytes());
        }
        ExtentMap map = manifest.extents();
        ChunkReader.Location[] where = repo.locate(map);
        long total = info.sizeBytes();
        int window = Math.max(2, repo.options().threads() * 2);
        ArrayDeque<Future<ChunkReader.Decoded[]>> inFlight = new ArrayDeque<>();
        ArrayDeque<Group> groups = new ArrayDeque<>();
        long cursor = 0;
        int i = 0;
        int n = map.extentCount();
        try {
            while (i < n || !inFlight.isEmpty()) {
                while (i < n && inFlight.size() < window) {
                    cancellation.check();
                    Group g = group(map, where, i);
                    i = g.to();
                    groups.add(g);
                    inFlight.add(repo.workers().submit(() -> ChunkReader.read(repo.store(), repo.keys(),
                            g.locations())));
                }
                Group g = groups.poll();
                ChunkReader.Decoded[] decoded = await(inFlight.poll());
                cancellation.check();
                cursor = write(map, g, decoded, cursor);
                progress.update(Phase.RESTORING, cursor, total);
            }
            if (cursor < info.sizeBytes()) {
                sink.writeZeros(cursor, info.sizeBytes() - cursor);
            }
            sink.flush();
            progress.update(Phase.DONE, total, total);
        } catch (IOException e) {
            throw new BackupException("cannot write the restore target: " + e.getMessage(), e);
        } finally {
            for (Future<?> f : inFlight) {
                f.cancel(true);
            }
        }
    }

    private static Group group(ExtentMap map, ChunkReader.Location[] where, int from) {
        List<ChunkReader.Location> locs = new ArrayList<>();
        ChunkReader.Location first = where[map.chunkRef(from)];
        locs.add(first);
        int to = from + 1;
        while (to < map.extentCount()) {
            ChunkReader.Location next = where[map.chunkRef(to)];
            if (!ChunkReader.joins(first, locs.getLast(), next)) {
                break;
            }
            locs.add(next);
            to++;
        }
        return new Group(from, to, locs);
    }

    private long write(ExtentMap map, Group g, ChunkReader.Decoded[] decoded, long cursor) throws IOException {
        for (int k = 0; k < decoded.length; k++) {
            int e = g.from() + k;
            long off = map.volumeOffset(e);
            int len = map.length(e);
            ChunkReader.Decoded d = decoded[k];
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
                sink.writeZeros(cursor, off - cursor);
            }
            sink.write(off, ByteBuffer.wrap(d.plain(), chunkOff, len));
            cursor = off + len;
        }
        return cursor;
    }

    private static ChunkReader.Decoded[] await(Future<ChunkReader.Decoded[]> f) {
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
