package io.galleonfs.backup;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Garbage collection under the exclusive lock. Mark: every manifest, one at a time, sets a bit per live index slot.
 * Sweep: per pack, live and dead bytes; packs with no live chunk are deleted, packs with at least
 * {@link RepositoryOptions#repackUnusedRatio()} dead bytes have their live blobs copied (still sealed, no
 * re-encryption) into new packs. Order for crash safety: new packs, then new index objects covering every surviving
 * chunk, then old index objects deleted, then old packs deleted; a crash at any point leaves every indexed chunk
 * present. Memory: the chunk index (under 70 bytes per chunk) plus two bits and one int per chunk, one manifest and
 * one pack at a time.
 */
final class PruneRun {
    private static final Logger LOG = Logger.getLogger(PruneRun.class);

    private final BackupRepository repo;
    private final Progress progress;
    private final Cancellation cancellation;
    private final RepositoryLocks.Held lock;

    PruneRun(BackupRepository repo, Progress progress, Cancellation cancellation, RepositoryLocks.Held lock) {
        this.repo = repo;
        this.progress = progress;
        this.cancellation = cancellation;
        this.lock = lock;
    }

    PruneResult run() {
        ObjectStore store = repo.store();
        int staleLocks = repo.locks().removeStale();
        if (staleLocks > 0) {
            LOG.infof("removed %d stale lock(s) of crashed processes on %s", staleLocks, store.describe());
        }
        List<String> indexBefore = store.list(IndexFiles.PREFIX).stream().map(ObjectInfo::key).toList();
        ChunkIndex index = repo.index();
        int capacity = index.capacity();
        BitSet live = new BitSet(capacity);

        List<ObjectInfo> manifests = store.list(ManifestCodec.PREFIX);
        long marked = 0;
        for (ObjectInfo m : manifests) {
            cancellation.check();
            String id = m.key().substring(ManifestCodec.PREFIX.length());
            BackupManifest manifest;
            try {
                manifest = repo.manifest(id);
            } catch (BackupNotFoundException gone) {
                continue;
            }
            ExtentMap map = manifest.extents();
            synchronized (index) {
                for (int ref = 0; ref < map.chunkCount(); ref++) {
                    int slot = index.find(map.chunkId(ref));
                    if (slot >= 0) {
                        live.set(slot);
                    } else {
                        LOG.warnf("backup %s refers to chunk %s that no index or pack holds; verify reports it",
                                id, map.chunkIdHex(ref));
                    }
                }
            }
            progress.update(Phase.PRUNE_MARKING, ++marked, manifests.size());
        }

        int packs = index.packCount();
        long[] liveBytes = new long[packs];
        long[] deadBytes = new long[packs];
        int[] bySlotCount = new int[packs + 1];
        for (int s = 0; s < capacity; s++) {
            if (index.used(s)) {
                int p = index.pack(s);
                if (live.get(s)) {
                    liveBytes[p] += index.blobLength(s);
                } else {
                    deadBytes[p] += index.blobLength(s);
                }
                bySlotCount[p + 1]++;
            }
        }
        // slots grouped by pack (counting sort) so each rewritten pack's entries are found without a scan
        for (int p = 0; p < packs; p++) {
            bySlotCount[p + 1] += bySlotCount[p];
        }
        int[] slotsByPack = new int[bySlotCount[packs]];
        int[] fill = bySlotCount.clone();
        for (int s = 0; s < capacity; s++) {
            if (index.used(s)) {
                slotsByPack[fill[index.pack(s)]++] = s;
            }
        }

        // Second copies of chunks (left by a crashed prune or backup) count as dead, so the packs holding them are
        // deleted or rewritten like any other; unless a live chunk's indexed copy is gone, when the other copy
        // may be the only one left: then nothing is dropped for being a copy.
        Set<String> stored = new HashSet<>();
        for (ObjectInfo o : store.list("data/")) {
            stored.add(PackWriter.idOfKey(o.key()));
        }
        boolean liveCopyMissing = false;
        for (int s = live.nextSetBit(0); s >= 0 && !liveCopyMissing; s = live.nextSetBit(s + 1)) {
            String packId = index.packId(index.pack(s));
            liveCopyMissing = packId == null || !stored.contains(packId);
        }
        if (liveCopyMissing) {
            LOG.warnf("some live chunk's pack is missing on %s; keeping every second copy of a chunk (verify reports"
                    + " what is missing)", store.describe());
        } else {
            for (int p = 0; p < packs; p++) {
                deadBytes[p] += index.shadowedBytes(p);
            }
        }

        Set<Integer> delete = new HashSet<>();
        List<Integer> rewrite = new ArrayList<>();
        for (int p = 0; p < packs; p++) {
            long all = liveBytes[p] + deadBytes[p];
            if (all == 0 || index.packId(p) == null) {
                continue;
            }
            if (liveBytes[p] == 0) {
                delete.add(p);
            } else if (deadBytes[p] > 0 && deadBytes[p] >= all * repo.options().repackUnusedRatio()) {
                rewrite.add(p);
            }
        }

        BitSet dropped = new BitSet(capacity);
        long removedChunks = 0;
        long bytesFreed = 0;
        WriteSession session = new WriteSession(repo, repo.uploader());
        int done = 0;
        for (int p : rewrite) {
            cancellation.check();
            String packId = index.packId(p);
            byte[] pack = store.get(PackWriter.key(packId));
            if (!Codecs.sha256Hex(pack).equals(packId)) {
                LOG.warnf("pack %s on %s does not match its id; not rewriting it (verify reports damaged chunks)",
                        packId, store.describe());
                continue;
            }
            bytesFreed += pack.length;
            byte[] id = new byte[32];
            for (int k = bySlotCount[p]; k < bySlotCount[p + 1]; k++) {
                int s = slotsByPack[k];
                if (live.get(s)) {
                    index.copyId(s, id, 0);
                    session.relocate(s, id, pack, index.offset(s), index.blobLength(s), index.plainLength(s));
                } else {
                    dropped.set(s);
                    removedChunks++;
                }
            }
            delete.add(p);
            progress.update(Phase.PRUNE_REPACKING, ++done, rewrite.size());
        }
        for (int p : delete) {
            if (!rewrite.contains(p)) {
                for (int k = bySlotCount[p]; k < bySlotCount[p + 1]; k++) {
                    dropped.set(slotsByPack[k]);
                    removedChunks++;
                }
            }
        }
        session.flushPack();
        session.awaitUploads();
        bytesFreed -= session.bytesStored();

        // Every surviving entry (live, or dead but in a pack that stays) goes into fresh index objects.
        int[] keep = new int[index.size()];
        int n = 0;
        for (int s = 0; s < capacity; s++) {
            if (index.used(s) && !dropped.get(s) && !delete.contains(index.pack(s))) {
                keep[n++] = s;
            }
        }
        List<String> written = n == 0 ? List.of() : IndexFiles.write(store, repo.keys(), index, keep, n);
        lock.checkValid();
        progress.update(Phase.PRUNE_DELETING, 0, indexBefore.size() + delete.size());
        int deleted = 0;
        for (String key : indexBefore) {
            if (!written.contains(key)) {
                store.delete(key);
            }
            progress.update(Phase.PRUNE_DELETING, ++deleted, indexBefore.size() + delete.size());
        }
        for (int p : delete) {
            String key = PackWriter.key(index.packId(p));
            if (!rewrite.contains(p)) {
                long size = store.size(key);
                bytesFreed += Math.max(0, size);
            }
            store.delete(key);
            progress.update(Phase.PRUNE_DELETING, ++deleted, indexBefore.size() + delete.size());
        }
        long liveCount = live.cardinality();
        progress.update(Phase.DONE, deleted, deleted);
        LOG.infof("pruned %s: %d live chunks, %d removed, %d packs deleted (%d rewritten), %d bytes freed",
                store.describe(), liveCount, removedChunks, delete.size(), rewrite.size(), bytesFreed);
        return new PruneResult(liveCount, removedChunks, delete.size(), rewrite.size(), bytesFreed,
                indexBefore.size(), written.size());
    }
}
