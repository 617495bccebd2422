package io.galleonfs.backup;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Copies one backup into another repository. Each source chunk is read and checked (a corrupted source chunk stops
 * the copy rather than spreading), re-identified under the destination's id key and stored there only if the
 * destination lacks it. The destination manifest keeps the backup id and header, with the extent map re-pointed at
 * the destination's chunk ids; it is written after the destination's packs and index are durable.
 */
final class CopyRun {
    private final BackupRepository source;
    private final BackupManifest manifest;
    private final BackupRepository dest;
    private final Progress progress;
    private final Cancellation cancellation;
    private final RepositoryLocks.Held destLock;

    CopyRun(BackupRepository source, BackupManifest manifest, BackupRepository dest, Progress progress,
            Cancellation cancellation, RepositoryLocks.Held destLock) {
        this.source = source;
        this.manifest = manifest;
        this.dest = dest;
        this.progress = progress;
        this.cancellation = cancellation;
        this.destLock = destLock;
    }

    CopyResult run() {
        BackupInfo info = manifest.info();
        ExtentMap map = manifest.extents();
        if (dest.store().exists(ManifestCodec.key(info.id()))) {
            return new CopyResult(info.id(), 0, map.chunkCount(), 0);
        }
        ChunkReader.Location[] where = source.locate(map);
        int[] firstExtent = VerifyRun.firstExtents(map);
        ChunkReader.Location[] sorted = where.clone();
        Arrays.sort(sorted, Comparator.comparing((ChunkReader.Location l) -> l.packId() == null ? "" : l.packId())
                .thenComparingInt(ChunkReader.Location::offset));
        long total = 0;
        for (ChunkReader.Location l : where) {
            total += l.plainLength();
        }
        byte[][] destIds = new byte[map.chunkCount()][];
        WriteSession session = new WriteSession(dest, dest.uploader());
        long copied = 0;
        long present = 0;
        long bytesCopied = 0;
        long done = 0;
        int window = Math.max(2, source.options().threads() * 2);
        ArrayDeque<Future<List<Reencoded>>> inFlight = new ArrayDeque<>();
        int i = 0;
        boolean committed = false;
        try {
            while (i < sorted.length || !inFlight.isEmpty()) {
                while (i < sorted.length && inFlight.size() < window) {
                    cancellation.check();
                    List<ChunkReader.Location> group = new ArrayList<>();
                    group.add(sorted[i++]);
                    while (i < sorted.length && ChunkReader.joins(group.getFirst(), group.getLast(), sorted[i])) {
                        group.add(sorted[i++]);
                    }
                    inFlight.add(source.workers().submit(() -> reencode(group)));
                }
                for (Reencoded r : await(inFlight.poll())) {
                    ChunkReader.Decoded d = r.decoded();
                    if (!d.ok()) {
                        int e = firstExtent[d.location().ref()];
                        throw new ChunkCorruptedException(Codecs.HEX.formatHex(d.location().id()),
                                d.location().packId(), e < 0 ? -1 : map.volumeOffset(e), e < 0 ? 0 : map.length(e),
                                d.error() + " (in the source repository; nothing was copied)", null);
                    }
                    destIds[d.location().ref()] = r.destId();
                    if (r.blob() != null && session.addIfAbsent(r.destId(), r.blob(), d.plain().length)) {
                        copied++;
                        bytesCopied += d.plain().length;
                    } else {
                        present++;
                    }
                    done += d.location().plainLength();
                }
                progress.update(Phase.COPYING, done, total);
            }
            progress.update(Phase.WRITING_INDEX, done, total);
            session.commit();
            committed = true;
            ExtentMap.Builder b = ExtentMap.builder();
            for (int e = 0; e < map.extentCount(); e++) {
                b.add(map.volumeOffset(e), map.length(e), destIds[map.chunkRef(e)], map.chunkOffset(e));
            }
            ExtentMap destMap = b.build();
            BackupInfo destInfo = new BackupInfo(info.id(), info.volumeId(), info.volumeName(), info.strategy(),
                    info.parentBackupId(), info.snapshotName(), info.labels(), info.sizeBytes(), info.blockSize(),
                    info.created(), destMap.referencedBytes(), Codecs.HEX.formatHex(destMap.digest()), info.stats());
            progress.update(Phase.WRITING_MANIFEST, done, total);
            destLock.checkValid();
            dest.store().put(ManifestCodec.key(info.id()), ManifestCodec.encode(dest.keys(), destInfo, destMap));
            progress.update(Phase.DONE, done, total);
            return new CopyResult(info.id(), copied, present, bytesCopied);
        } catch (RuntimeException e) {
            if (!committed) {
                session.abandon();
                dest.markIndexStale();
            }
            throw e;
        } finally {
            for (Future<?> f : inFlight) {
                f.cancel(true);
            }
        }
    }

    private record Reencoded(ChunkReader.Decoded decoded, byte[] destId, byte[] blob) {
    }

    private List<Reencoded> reencode(List<ChunkReader.Location> group) {
        List<Reencoded> out = new ArrayList<>(group.size());
        ChunkReader.Decoded[] decoded = ChunkReader.read(source.store(), source.keys(), group);
        for (int k = 0; k < decoded.length; k++) {
            ChunkReader.Decoded d = decoded[k];
            if (k > 0 && group.get(k - 1).ref() == d.location().ref()) {
                continue;
            }
            if (!d.ok()) {
                out.add(new Reencoded(d, null, null));
                continue;
            }
            byte[] destId = dest.keys().chunkId(d.plain(), 0, d.plain().length);
            boolean known;
            synchronized (dest.index()) {
                known = dest.index().find(destId) >= 0;
            }
            byte[] blob = known ? null : Codecs.sealChunk(dest.keys(), d.plain(), 0, d.plain().length,
                    dest.options().zstdLevel(), destId);
            out.add(new Reencoded(d, destId, blob));
        }
        return out;
    }

    private static List<Reencoded> await(Future<List<Reencoded>> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupCancelledException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new BackupException("copy worker failed: " + e.getCause(), e.getCause());
        }
    }
}
