package io.galleonfs.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;
import org.roaringbitmap.IntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * One backup: reads the runs of blocks the source names, cut at 1 MiB-aligned volume boundaries (so a full backup
 * of the same bytes yields the same chunks on any volume: dedup across clones), splits each piece at zero blocks
 * (holes are not stored), and stores every non-zero run as one chunk. An incremental that changed scattered 4 KiB
 * blocks therefore stores exactly those blocks, not the 1 MiB regions around them. Hashing, compression and
 * encryption run on the worker pool while the calling thread reads ahead; results are consumed in order.
 */
final class BackupRun {
    static final int CHUNK_MAX = 1 << 20;
    private static final Logger LOG = Logger.getLogger(BackupRun.class);

    private final BackupRepository repo;
    private final BackupRequest request;
    private final BackupSource source;
    private final Progress progress;
    private final Cancellation cancellation;
    private final RepositoryLocks.Held lock;

    private final ExtentMap.Builder delta = ExtentMap.builder();
    private long bytesRead;
    private long bytesZero;
    private long bytesNew;
    private long chunksNew;
    private long chunksReused;

    BackupRun(BackupRepository repo, BackupRequest request, BackupSource source, Progress progress,
              Cancellation cancellation, RepositoryLocks.Held lock) {
        this.repo = repo;
        this.request = request;
        this.source = source;
        this.progress = progress;
        this.cancellation = cancellation;
        this.lock = lock;
    }

    /** One run of volume bytes to read, handled as a unit by a worker. */
    private record Piece(long offset, int length) {
    }

    /** A sub-range of a piece: zero (id null), already stored (blob null) or new. */
    private record Part(long offset, int length, byte[] id, byte[] blob) {
    }

    BackupManifest run() {
        long started = System.currentTimeMillis();
        int blockSize = source.blockSize();
        long size = source.sizeBytes();
        if (blockSize < 512 || blockSize > CHUNK_MAX || Integer.bitCount(blockSize) != 1) {
            throw new InvalidBackupRequestException("block size " + blockSize
                    + " is not a power of two between 512 and 1 MiB");
        }
        ExtentMap base = ExtentMap.empty();
        if (request.strategy() != BackupStrategy.FULL) {
            if (request.parentBackupId() == null) {
                throw new InvalidBackupRequestException(request.strategy().name().toLowerCase()
                        + " backup needs a parent backup");
            }
            BackupManifest parent = repo.manifest(request.parentBackupId());
            if (parent.info().blockSize() != blockSize) {
                throw new InvalidBackupRequestException("block size " + blockSize + " differs from the parent's "
                        + parent.info().blockSize());
            }
            base = parent.extents();
        }
        RoaringBitmap blocks = source.blocksToRead();
        long blockCount = (size + blockSize - 1) / blockSize;
        long total = 0;
        if (blockCount < Integer.MAX_VALUE) {
            total = blocks.rangeCardinality(0, blockCount) * (long) blockSize;
        } else {
            total = blocks.getLongCardinality() * blockSize;
        }
        WriteSession session = new WriteSession(repo, repo.uploader());
        boolean committed = false;
        try {
            readAll(blocks, blockSize, size, total, session);
            progress.update(Phase.WRITING_INDEX, bytesRead, total);
            session.commit();
            committed = true;
            ExtentMap extents = base.overlay(delta.build(), size);
            String id = BackupRepository.newBackupId();
            BackupStats stats = new BackupStats(bytesRead, bytesZero, bytesNew, session.bytesStored(), chunksNew,
                    chunksReused, session.packsWritten(), System.currentTimeMillis() - started);
            BackupInfo info = new BackupInfo(id, request.volumeId(), request.volumeName(), request.strategy(),
                    request.parentBackupId(), request.snapshotName(), request.labels(), size, blockSize,
                    Instant.ofEpochMilli(started), extents.referencedBytes(), Codecs.HEX.formatHex(extents.digest()),
                    stats);
            progress.update(Phase.WRITING_MANIFEST, bytesRead, total);
            lock.checkValid();
            repo.store().put(ManifestCodec.key(id), ManifestCodec.encode(repo.keys(), info, extents));
            progress.update(Phase.DONE, bytesRead, total);
            LOG.infof("backup %s of volume %s: read %d bytes, %d new chunks (%d bytes stored), %d re-used, %d ms",
                    id, request.volumeId(), bytesRead, chunksNew, session.bytesStored(), chunksReused,
                    stats.durationMillis());
            return new BackupManifest(info, extents);
        } catch (BackupCancelledException e) {
            if (!committed) {
                keepWhatWasWritten(session);
            }
            throw e;
        } catch (RuntimeException e) {
            if (!committed) {
                session.abandon();
                repo.markIndexStale();
            }
            throw e;
        }
    }

    /** After a cancel: make the chunks already packed durable and indexed, so the retry does not redo them. */
    private void keepWhatWasWritten(WriteSession session) {
        try {
            session.commit();
        } catch (RuntimeException e) {
            LOG.warnf(e, "could not keep the chunks of the cancelled backup of %s", request.volumeId());
            session.abandon();
            repo.markIndexStale();
        }
    }

    private void readAll(RoaringBitmap blocks, int blockSize, long size, long total, WriteSession session) {
        int window = Math.max(2, repo.options().threads() * 2);
        ArrayDeque<Future<List<Part>>> inFlight = new ArrayDeque<>();
        long windowBlocks = CHUNK_MAX / blockSize;
        IntIterator it = blocks.getIntIterator();
        long runStart = -1;
        long runEnd = -1;
        try {
            while (true) {
                long b = it.hasNext() ? Integer.toUnsignedLong(it.next()) : -1;
                if (b >= 0 && (long) b * blockSize >= size) {
                    b = -1;
                }
                boolean extend = b >= 0 && runStart >= 0 && b == runEnd && b / windowBlocks == runStart / windowBlocks;
                if (extend) {
                    runEnd++;
                    continue;
                }
                if (runStart >= 0) {
                    long off = runStart * blockSize;
                    int len = (int) Math.min((runEnd - runStart) * blockSize, size - off);
                    cancellation.check();
                    Piece piece = new Piece(off, len);
                    byte[] data = read(piece);
                    inFlight.add(repo.workers().submit(() -> process(piece, data, blockSize)));
                    while (inFlight.size() >= window) {
                        consume(inFlight.poll(), session, total);
                    }
                }
                if (b < 0) {
                    break;
                }
                runStart = b;
                runEnd = b + 1;
            }
            while (!inFlight.isEmpty()) {
                consume(inFlight.poll(), session, total);
            }
        } finally {
            for (Future<List<Part>> f : inFlight) {
                f.cancel(true);
            }
        }
    }

    private byte[] read(Piece piece) {
        byte[] data = new byte[piece.length()];
        ByteBuffer dst = ByteBuffer.wrap(data);
        try {
            source.read(piece.offset(), dst);
        } catch (IOException e) {
            throw new BackupException("cannot read volume " + request.volumeId() + " at offset " + piece.offset()
                    + ": " + e.getMessage(), e);
        }
        if (dst.hasRemaining()) {
            throw new BackupException("volume " + request.volumeId() + " returned a short read at offset "
                    + piece.offset());
        }
        bytesRead += piece.length();
        return data;
    }

    private static final byte[] ZEROS = new byte[CHUNK_MAX];

    private List<Part> process(Piece piece, byte[] data, int blockSize) {
        List<Part> parts = new ArrayList<>(2);
        int pos = 0;
        while (pos < data.length) {
            int blockLen = Math.min(blockSize, data.length - pos);
            boolean zero = isZero(data, pos, blockLen);
            int end = pos + blockLen;
            while (end < data.length) {
                int next = Math.min(blockSize, data.length - end);
                if (isZero(data, end, next) != zero) {
                    break;
                }
                end += next;
            }
            long offset = piece.offset() + pos;
            int len = end - pos;
            if (zero) {
                parts.add(new Part(offset, len, null, null));
            } else {
                byte[] id = repo.keys().chunkId(data, pos, len);
                boolean known;
                ChunkIndex index = repo.index();
                synchronized (index) {
                    known = index.find(id) >= 0;
                }
                byte[] blob = known ? null : repo.keys().seal(
                        Codecs.encodeChunk(data, pos, len, repo.options().zstdLevel()), id);
                parts.add(new Part(offset, len, id, blob));
            }
            pos = end;
        }
        return parts;
    }

    private static boolean isZero(byte[] data, int off, int len) {
        return Arrays.mismatch(data, off, off + len, ZEROS, 0, len) < 0;
    }

    private void consume(Future<List<Part>> future, WriteSession session, long total) {
        List<Part> parts;
        try {
            parts = future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackupCancelledException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new BackupException("backup worker failed: " + e.getCause(), e.getCause());
        }
        for (Part p : parts) {
            if (p.id() == null) {
                delta.addZero(p.offset(), p.length());
                bytesZero += p.length();
                continue;
            }
            boolean added = p.blob() != null && session.addIfAbsent(p.id(), p.blob(), p.length());
            if (added) {
                chunksNew++;
                bytesNew += p.length();
            } else {
                chunksReused++;
            }
            delta.add(p.offset(), p.length(), p.id(), 0);
        }
        progress.update(Phase.READING, bytesRead, total);
    }
}
