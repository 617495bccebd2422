package io.galleonfs.backup;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Packs blobs written by one operation (backup, copy, prune rewrite) and makes them durable in the right order:
 * packs uploaded (one upload in flight while the next pack fills), then one or more index objects naming every chunk
 * this session added plus any packs found without an index. Whoever commits a manifest does so only after
 * {@link #commit()} returned.
 */
final class WriteSession {
    private final BackupRepository repo;
    private final ExecutorService uploader;
    private final ByteArrayOutputStream addedIds = new ByteArrayOutputStream();
    private PackWriter pack;
    private Future<?> upload;
    /**
     * The buffer of the last pack uploaded, re-used by the next pack: a session holds two pack buffers (one filling,
     * one uploading) instead of allocating one per pack (each a humongous object for the garbage collector).
     */
    private volatile byte[] spare;
    private long bytesStored;
    private volatile long trailerBytes;
    private int packsWritten;

    WriteSession(BackupRepository repo, ExecutorService uploader) {
        this.repo = repo;
        this.uploader = uploader;
    }

    /**
     * Adds a sealed chunk unless the repository already holds {@code id}. Returns true if added (the blob will be
     * stored), false if it was a duplicate.
     */
    boolean addIfAbsent(byte[] id, byte[] blob, int plainLength) {
        ChunkIndex index = repo.index();
        synchronized (index) {
            if (index.find(id) >= 0) {
                return false;
            }
            PackWriter p = currentPack(index);
            int offset = p.add(id, blob, plainLength);
            index.add(id, 0, p.packNo(), offset, blob.length, plainLength);
        }
        addedIds.writeBytes(id);
        bytesStored += blob.length;
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
            byte[] buffer = spare;
            spare = null;
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
        return bytesStored + trailerBytes;
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
     * Hands the current pack to the uploader after the previous upload finished; sealing, hashing (the pack's name)
     * and the put run there, overlapping with the next pack's filling.
     */
    void flushPack() {
        if (pack == null || pack.count() == 0) {
            return;
        }
        PackWriter p = pack;
        pack = null;
        awaitUpload();
        packsWritten++;
        upload = uploader.submit(() -> {
            PackWriter.Sealed sealed = p.finish(repo.keys());
            String packId = Codecs.sha256Hex(sealed.bytes(), 0, sealed.length());
            synchronized (repo.index()) {
                repo.index().namePack(p.packNo(), packId);
            }
            trailerBytes += sealed.length() - p.length();
            repo.store().put(PackWriter.key(packId), sealed.bytes(), 0, sealed.length());
            // put returned: the store holds no reference to the bytes any more, so the next pack fills this buffer
            spare = sealed.bytes();
        });
    }

    void awaitUpload() {
        if (upload == null) {
            return;
        }
        Future<?> f = upload;
        upload = null;
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
        awaitUpload();
        byte[] ids = addedIds.toByteArray();
        return repo.writeIndexFor(ids);
    }

    /** Drops the pack being filled (after a failure); uploads already started are awaited and ignored. */
    void abandon() {
        pack = null;
        if (upload != null) {
            try {
                upload.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException ignored) {
                // the failure that made us abandon is being reported already
            }
            upload = null;
        }
    }
}
