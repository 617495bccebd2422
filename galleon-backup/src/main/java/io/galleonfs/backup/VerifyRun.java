package io.galleonfs.backup;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Verifies one backup. Quick: every chunk is named by an index, its pack exists and is long enough. Full: every
 * distinct chunk is read in pack order (sequential ranged reads) and checked like a restore would, without writing.
 * Problems are collected, not thrown, each with the first volume range the chunk backs.
 */
final class VerifyRun {
    private final BackupRepository repo;
    private final BackupManifest manifest;
    private final boolean quick;
    private final Progress progress;
    private final Cancellation cancellation;

    VerifyRun(BackupRepository repo, BackupManifest manifest, boolean quick, Progress progress,
              Cancellation cancellation) {
        this.repo = repo;
        this.manifest = manifest;
        this.quick = quick;
        this.progress = progress;
        this.cancellation = cancellation;
    }

    VerifyResult run() {
        ExtentMap map = manifest.extents();
        ChunkReader.Location[] where = repo.locate(map);
        int[] firstExtent = firstExtents(map);
        List<ChunkProblem> problems = new ArrayList<>();
        long total = 0;
        for (ChunkReader.Location l : where) {
            total += l.blobLength();
        }
        long checked = 0;
        long bytes = 0;
        if (quick) {
            Map<String, Long> packSizes = new HashMap<>();
            for (ObjectInfo o : repo.store().list("data/")) {
                packSizes.put(PackWriter.idOfKey(o.key()), o.size());
            }
            for (ChunkReader.Location l : where) {
                cancellation.check();
                String reason = null;
                if (l.packId() == null) {
                    reason = "no index names this chunk";
                } else if (!packSizes.containsKey(l.packId())) {
                    reason = "pack missing";
                } else if (l.end() + PackWriter.TRAILER > packSizes.get(l.packId())) {
                    reason = "pack shorter than its index says";
                }
                if (reason != null) {
                    problems.add(problem(map, firstExtent, l, reason));
                }
                checked++;
                bytes += l.blobLength();
                progress.update(Phase.VERIFYING, bytes, total);
            }
        } else {
            ChunkReader.Location[] sorted = where.clone();
            Arrays.sort(sorted, Comparator.comparing((ChunkReader.Location l) -> l.packId() == null ? ""
                    : l.packId()).thenComparingInt(ChunkReader.Location::offset));
            int window = Math.max(2, repo.options().threads() * 2);
            ArrayDeque<Future<ChunkReader.Decoded[]>> inFlight = new ArrayDeque<>();
            int i = 0;
            try {
                while (i < sorted.length || !inFlight.isEmpty()) {
                    while (i < sorted.length && inFlight.size() < window) {
                        cancellation.check();
                        List<ChunkReader.Location> group = new ArrayList<>();
                        group.add(sorted[i]);
                        i++;
                        while (i < sorted.length && ChunkReader.joins(group.getFirst(), group.getLast(), sorted[i])) {
                            group.add(sorted[i++]);
                        }
                        inFlight.add(repo.workers().submit(() -> ChunkReader.read(repo.store(), repo.keys(), group)));
                    }
                    for (ChunkReader.Decoded d : await(inFlight.poll())) {
                        if (!d.ok()) {
                            problems.add(problem(map, firstExtent, d.location(), d.error()));
                        }
                        checked++;
                        bytes += d.location().blobLength();
                    }
                    progress.update(Phase.VERIFYING, bytes, total);
                }
            } finally {
                for (Future<?> f : inFlight) {
                    f.cancel(true);
                }
            }
        }
        progress.update(Phase.DONE, bytes, total);
        return new VerifyResult(manifest.info().id(), quick, checked, bytes, problems);
    }

    static int[] firstExtents(ExtentMap map) {
        int[] first = new int[map.chunkCount()];
        Arrays.fill(first, -1);
        for (int e = map.extentCount() - 1; e >= 0; e--) {
            if (map.chunkRef(e) != ExtentMap.ZERO) {
                first[map.chunkRef(e)] = e;
            }
        }
        return first;
    }

    private static ChunkProblem problem(ExtentMap map, int[] firstExtent, ChunkReader.Location l, String reason) {
        int e = firstExtent[l.ref()];
        return new ChunkProblem(Codecs.HEX.formatHex(l.id()), l.packId(), e < 0 ? -1 : map.volumeOffset(e),
                e < 0 ? 0 : map.length(e), reason);
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
            throw new BackupException("verify worker failed: " + e.getCause(), e.getCause());
        }
    }
}
