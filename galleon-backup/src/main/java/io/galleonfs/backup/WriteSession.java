package io.galleonfs.backup;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Packs blobs written by one operation (backup, copy, prune rewrite) and makes them durable in the right order:
 * packs uploaded (up to {@link RepositoryOptions#uploads()} uploads in flight while the next pack fills, in any order),
 * then one or more index objects naming every chunk
 * this session added plus any packs found without an index. Whoever commits a manifest does so only after
 * {@link #commit()} returned.
 */
final class WriteSession {
    private final BackupRepository repo;
    private final ExecutorService uploader;
    private final ByteArrayOutputStream addedIds = new ByteArrayOutputStream();
    private PackWriter pack;
    private final int maxUploads;
    private final ArrayDeque<Future<?>> uploads = new ArrayDeque<>();
    /**
     * The buffers of packs uploaded, re-used by the next packs: a session holds at most {@code uploads + 1} pack
     * buffers (one filling, the others uploading) instead of allocating one per pack (each a humongous object for the
     * garbage collector).
     */
    private final ConcurrentLinkedQueue<byte[]> spares = new ConcurrentLinkedQueue<>();
    private long bytesStored;
    /** Added by the upload threads, several at once. */
    private final AtomicLong trailerBytes = new AtomicLong();
    private int packsWritten;

    WriteSession(BackupRepository repo, ExecutorService uploader) {
        this.repo = repo;
        this.uploader = uploader;
        this.maxUploads = repo.options().uploads();
    }

    /**
     * Adds a sealed chunk unless the repository already holds {@code id}. Returns true if added (the blob will be
     * stored), false if it was a duplicate.
     */
    boolean addIfAbsent(byte[] id, byte[] blob, int plainLength) {
        return addIfAbsent(id, blob, blob.length, plainLength);
    }

    /** Like {@link #addIfAbsent(byte[], byte[], int)} for the blob {@code blob[0, blobLength)} (a re-used buffer). */
    boolean addIfAbsent(byte[] id, byte[] blob, int blobLength, int plainLength) {
        ChunkIndex index = repo.index();
        synchronized (index) {
            if (index.find(id) >= 0) {
                return false;
            }
            PackWriter p = currentPack(index);
            int offset = p.add(id, blob, 0, blobLength, plainLength);
            index.add(id, 0, p.packNo(), offset, blobLength, plainLength);
        }
        addedIds.writeBytes(id);
        bytesStored += blobLength;
        rotateIfFull();
        return true;
    }

    /** Moves an existing chunk's sealed blob into this session's pack (prune rewrite). */
    void relocate(int slot, byte[] id, byte[] src, int off, int len, int plainLength) {
        ChunkIndex index = repo.index();
        synchronized (index) {
            PackWriter p = currentPack(index);
            int offset = p.add(id, src, off, len, plainLength);
            index.relocate(slot, p.packNo(), offset);
        }
        bytesStored += len;
        rotateIfFull();
    }

    private PackWriter currentPack(ChunkIndex index) {
        if (pack == null) {
            byte[] buffer = spares.poll();
            if (buffer == null || buffer.length != packCapacity()) {
                buffer = new byte[packCapacity()];
            }
            pack = new PackWriter(index.newPendingPack(), buffer);
        }
        return pack;
    }

    /** A pack is closed once it reaches the target, so target + one maximal blob never needs to grow. */
    private int packCapacity() {
        return repo.options().packTargetBytes() + (2 << 20);
    }

    boolean isEmpty() {
        return addedIds.size() == 0 && packsWritten == 0 && pack == null;
    }

    /** Blob bytes added plus the trailers of packs already uploaded. */
    long bytesStored() {
        return bytesStored + trailerBytes.get();
    }

    int packsWritten() {
        return packsWritten;
    }

    private void rotateIfFull() {
        if (pack != null && pack.length() >= repo.options().packTargetBytes()) {
            flushPack();
        }
    }

    /**
     * Hands the current pack to the uploader once fewer than {@code uploads} are in flight (waiting for the oldest);
     * sealing, hashing (the pack's name) and the put run there, overlapping with each other and with the next pack's
     * filling. Packs may land in any order: nothing names them until {@link #commit} wrote the index after all of them.
     */
    void flushPack() {
        if (pack == null || pack.count() == 0) {
            return;
        }
        PackWriter p = pack;
        pack = null;
        while (uploads.size() >= maxUploads) {
            await(uploads.poll());
        }
        packsWritten++;
        uploads.add(uploader.submit(() -> {
            PackWriter.Sealed sealed = p.finish(repo.keys());
            String packId = Codecs.sha256Hex(sealed.bytes(), 0, sealed.length());
            synchronized (repo.index()) {
                repo.index().namePack(p.packNo(), packId);
            }
            trailerBytes.addAndGet(sealed.length() - p.length());
            repo.store().put(PackWriter.key(packId), sealed.bytes(), 0, sealed.length());
            // put returned: the store holds no reference to the bytes any more, so the next pack fills this buffer
            spares.offer(sealed.bytes());
        }));
    }

    /** Waits for every upload in flight; throws the first failure. */
    void awaitUploads() {
        while (!uploads.isEmpty()) {
            await(uploads.poll());
        }
    }

    private static void await(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupCancelledException("interrupted while uploading a pack");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new BackupException("pack upload failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Makes everything added durable: last pack, pending uploads, then index objects for the chunks added here and
     * for packs the repository found without an index. Returns the index keys written.
     */
    List<String> commit() {
        flushPack();
        awaitUploads();
        byte[] ids = addedIds.toByteArray();
        return repo.writeIndexFor(ids);
    }

    /** Drops the pack being filled (after a failure); uploads already started are awaited and ignored. */
    void abandon() {
        pack = null;
        boolean interrupted = false;
        while (!uploads.isEmpty()) {
            try {
                uploads.peek().get();
                uploads.poll();
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException ignored) {
                uploads.poll(); // the failure that made us abandon is being reported already
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
