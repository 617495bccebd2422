package io.galleonfs.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;
import org.roaringbitmap.IntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * One backup: reads the runs of blocks the source names, cut at 1 MiB-aligned volume boundaries (so a full backup
 * of the same bytes yields the same chunks on any volume: dedup across clones), splits each piece at zero blocks
 * (holes are not stored), and stores every non-zero run as one chunk. An incremental that changed scattered 4 KiB
 * blocks therefore stores exactly those blocks, not the 1 MiB regions around them. Reading, hashing, compression and
 * encryption run on the worker pool in bounded batches; the calling thread packs the results in volume order.
 */
final class BackupRun {
    static final int CHUNK_MAX = 1 << 20;
    /** Volume bytes one worker task reads and processes at most (one full chunk, or many small pieces). */
    static final int BATCH_BYTES = CHUNK_MAX;
    /** Pieces one worker task handles at most (an incremental's scattered blocks are one piece each). */
    static final int BATCH_PIECES = 256;
    private static final Logger LOG = Logger.getLogger(BackupRun.class);

    private final BackupRepository repo;
    private final BackupRequest request;
    private final BackupSource source;
    private final Progress progress;
    private final Cancellation cancellation;
    private final RepositoryLocks.Held lock;

    private final ExtentMap.Builder delta = ExtentMap.builder();
    /** Guards {@link #active} (worker batches running) and {@link #stopped} (no new batch may start). */
    private final Object activity = new Object();
    private int active;
    private volatile boolean stopped;
    /** Read buffers of finished batches, taken by the next ones: at most one per worker is ever allocated. */
    private final ConcurrentLinkedQueue<byte[]> batchBuffers = new ConcurrentLinkedQueue<>();
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

    /**
     * A sub-range of a piece: zero (id null), already stored (blob null) or new ({@code blob[0, blobLength)}, in a
     * buffer of {@link #blobBuffers} when {@code pooled}).
     */
    private record Part(long offset, int length, byte[] id, byte[] blob, int blobLength, boolean pooled) {
    }

    /** Chunks from this length on are sealed into a re-used buffer (a fresh array would be humongous for G1). */
    static final int POOLED_BLOB_MIN = PlainBuffers.POOLED_MIN;
    static final int BLOB_BUFFER_BYTES = CHUNK_MAX + RepositoryKeys.OVERHEAD + 1;
    /**
     * Buffers of sealed large chunks, given back once packed: the sealed 1 MiB chunks were a humongous array each
     * (1 MiB + 29 bytes: two G1 regions, zeroed on allocation), about 1,000 per GiB of new data. Bounded by the blobs
     * of the batches in flight ({@link #window}), like the read buffers.
     */
    private final ConcurrentLinkedQueue<byte[]> blobBuffers = new ConcurrentLinkedQueue<>();

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

    /**
     * The pipeline: the calling thread cuts the blocks to read into pieces and hands them, a batch at a time, to the
     * workers, which read the batch from the source and hash, compress and encrypt it; the calling thread takes the
     * results in volume order and packs them; full packs are hashed and uploaded by the uploader thread while the next
     * fills. At most {@code window} batches are in flight, each at most {@link #BATCH_BYTES} of volume bytes (plus their
     * blobs), so the memory held is bounded whatever the volume's size. Reading on the workers (it used to be on the
     * calling thread) lets two reads overlap each other and the packing; batching small pieces (an incremental's
     * scattered 4 KiB blocks) spares a task hand-off per block.
     */
    private void readAll(RoaringBitmap blocks, int blockSize, long size, long total, WriteSession session) {
        int window = window(repo.options());
        ArrayDeque<Future<List<Part>>> inFlight = new ArrayDeque<>();
        long windowBlocks = CHUNK_MAX / blockSize;
        IntIterator it = blocks.getIntIterator();
        long runStart = -1;
        long runEnd = -1;
        List<Piece> batch = new ArrayList<>();
        long batchBytes = 0;
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
                    if (batchBytes + len > BATCH_BYTES || batch.size() == BATCH_PIECES) {
                        submit(batch, blockSize, inFlight);
                        batch = new ArrayList<>();
                        batchBytes = 0;
                        while (inFlight.size() >= window) {
                            consume(inFlight.poll(), session, total);
                        }
                    }
                    batch.add(new Piece(off, len));
                    batchBytes += len;
                }
                if (b < 0) {
                    break;
                }
                runStart = b;
                runEnd = b + 1;
            }
            if (!batch.isEmpty()) {
                submit(batch, blockSize, inFlight);
            }
            while (!inFlight.isEmpty()) {
                consume(inFlight.poll(), session, total);
            }
        } finally {
            if (!inFlight.isEmpty()) {
                stopWorkers(inFlight);
            }
        }
    }

    /**
     * After a failure or a cancel: batches not started are dropped, and the call returns only once no worker reads the
     * source any more (the caller deletes the snapshot next). Workers are not interrupted: an interrupt during a read
     * would close the engine's file channel under every other reader.
     */
    private void stopWorkers(ArrayDeque<Future<List<Part>>> inFlight) {
        boolean interrupted = false;
        synchronized (activity) {
            stopped = true;
            for (Future<List<Part>> f : inFlight) {
                f.cancel(false);
            }
            while (active > 0) {
                try {
                    activity.wait();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Batches in flight: enough to keep every worker busy while the calling thread packs one. */
    static int window(RepositoryOptions options) {
        return Math.max(2, options.threads() * 2);
    }

    private void submit(List<Piece> batch, int blockSize, ArrayDeque<Future<List<Part>>> inFlight) {
        cancellation.check();
        List<Piece> pieces = List.copyOf(batch);
        inFlight.add(repo.workers().submit(() -> {
            synchronized (activity) {
                if (stopped) {
                    throw new BackupCancelledException("the backup stopped");
                }
                active++;
            }
            byte[] buffer = batchBuffers.poll();
            if (buffer == null) {
                buffer = new byte[BATCH_BYTES];
            }
            try {
                List<Part> parts = new ArrayList<>(pieces.size() + 1);
                int at = 0;
                for (Piece piece : pieces) {
                    if (stopped) {
                        throw new BackupCancelledException("the backup stopped");
                    }
                    read(piece, buffer, at);
                    process(piece, buffer, at, blockSize, parts);
                    at += piece.length();
                }
                return parts;
            } finally {
                // the parts hold ids and sealed blobs only: the read buffer serves the next batch
                batchBuffers.offer(buffer);
                synchronized (activity) {
                    active--;
                    activity.notifyAll();
                }
            }
        }));
    }

    /** Runs on a worker; a failure fails the batch, and {@link #consume} reports it as the backup's one reason. */
    private void read(Piece piece, byte[] buffer, int at) {
        ByteBuffer dst = ByteBuffer.wrap(buffer, at, piece.length());
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
    }

    private static final byte[] ZEROS = new byte[CHUNK_MAX];

    /** Splits {@code data[base, base + piece length)} at zero blocks and seals the non-zero runs not stored yet. */
    private void process(Piece piece, byte[] data, int base, int blockSize, List<Part> parts) {
        int pos = base;
        int limit = base + piece.length();
        while (pos < limit) {
            int blockLen = Math.min(blockSize, limit - pos);
            boolean zero = isZero(data, pos, blockLen);
            int end = pos + blockLen;
            while (end < limit) {
                int next = Math.min(blockSize, limit - end);
                if (isZero(data, end, next) != zero) {
                    break;
                }
                end += next;
            }
            long offset = piece.offset() + (pos - base);
            int len = end - pos;
            if (zero) {
                parts.add(new Part(offset, len, null, null, 0, false));
            } else {
                byte[] id = repo.keys().chunkId(data, pos, len);
                boolean known;
                ChunkIndex index = repo.index();
                synchronized (index) {
                    known = index.find(id) >= 0;
                }
                if (known) {
                    parts.add(new Part(offset, len, id, null, 0, false));
                } else if (len >= POOLED_BLOB_MIN) {
                    byte[] blob = blobBuffers.poll();
                    if (blob == null) {
                        blob = new byte[BLOB_BUFFER_BYTES];
                    }
                    int n = Codecs.sealChunkInto(repo.keys(), data, pos, len, repo.options().zstdLevel(), id, blob);
                    parts.add(new Part(offset, len, id, blob, n, true));
                } else {
                    byte[] blob = Codecs.sealChunk(repo.keys(), data, pos, len, repo.options().zstdLevel(), id);
                    parts.add(new Part(offset, len, id, blob, blob.length, false));
                }
            }
            pos = end;
        }
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
        // also here, not only when a batch is handed out: the last window's batches are taken without handing out more
        cancellation.check();
        for (Part p : parts) {
            bytesRead += p.length();
            if (p.id() == null) {
                delta.addZero(p.offset(), p.length());
                bytesZero += p.length();
                continue;
            }
            boolean added = p.blob() != null && session.addIfAbsent(p.id(), p.blob(), p.blobLength(), p.length());
            if (p.pooled()) {
                blobBuffers.offer(p.blob()); // copied into the pack: the next chunk may be sealed into it
            }
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
