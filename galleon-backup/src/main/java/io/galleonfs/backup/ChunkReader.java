package io.galleonfs.backup;

import java.security.MessageDigest;
import java.util.List;
import javax.crypto.AEADBadTagException;

/**
 * Reads and checks chunks: one ranged read per group of blobs that sit close together in one pack (restore and
 * verify read packs sequentially instead of one request per chunk), then per chunk the GCM tag (bound to the chunk
 * id), the codec frame, the plaintext length and the keyed id of the plaintext.
 */
final class ChunkReader {
    /** Largest ranged read; bounds memory per in-flight group. */
    static final int GROUP_BYTES = 4 << 20;
    /** Largest hole between two blobs that is still read through rather than split into two reads. */
    static final int MAX_GAP = 256 << 10;

    /** Where a chunk is stored; {@code packId} null if no index names it. */
    record Location(int ref, byte[] id, String packId, int offset, int blobLength, int plainLength) {
        long end() {
            return (long) offset + blobLength;
        }
    }

    /**
     * Plaintext of a chunk, or why it could not be had. The chunk is {@code plain[0, location.plainLength())}: a restore
     * decodes into re-used buffers that may be longer ({@link PlainBuffers}).
     */
    record Decoded(Location location, byte[] plain, String error) {
        boolean ok() {
            return error == null;
        }
    }

    private ChunkReader() {
    }

    /** True if {@code next} may join a group that starts at {@code first} and whose last blob is {@code last}. */
    static boolean joins(Location first, Location last, Location next) {
        if (next.ref() == last.ref()) {
            return true;
        }
        return first.packId() != null && first.packId().equals(next.packId()) && next.offset() >= last.end()
                && next.offset() - last.end() <= MAX_GAP && next.end() - first.offset() <= GROUP_BYTES;
    }

    /** Reads the blobs of one group (same pack, ascending offsets, duplicates allowed) and decodes each distinct one. */
    static Decoded[] read(ObjectStore store, RepositoryKeys keys, List<Location> group) {
        Decoded[] out = new Decoded[group.size()];
        Location first = group.getFirst();
        if (first.packId() == null) {
            for (int i = 0; i < out.length; i++) {
                out[i] = new Decoded(group.get(i), null, "no index names this chunk");
            }
            return out;
        }
        long end = first.end();
        for (Location l : group) {
            end = Math.max(end, l.end());
        }
        int length = (int) (end - first.offset());
        byte[] data = groupBuffer(length);
        try {
            store.getRange(PackWriter.key(first.packId()), first.offset(), length, data);
        } catch (ObjectNotFoundException e) {
            for (int i = 0; i < out.length; i++) {
                out[i] = new Decoded(group.get(i), null, "pack missing or shorter than its index says");
            }
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            Location l = group.get(i);
            if (i > 0 && group.get(i - 1).ref() == l.ref()) {
                out[i] = new Decoded(l, out[i - 1].plain(), out[i - 1].error());
                continue;
            }
            out[i] = decode(keys, l, data, l.offset() - first.offset());
        }
        return out;
    }

    /**
     * Largest pack span one streamed read covers: a whole pack (target 16 MiB; 32 MiB in packs written before the
     * default changed) plus its trailer, and some.
     */
    static final long SPAN_BYTES = 64L << 20;
    /** Largest hole between two blobs of a span that is read through (and dropped) rather than split into two reads. */
    static final long SPAN_GAP = 8L << 20;

    /** True if {@code next} (same pack, at or after {@code last}) may join a span that starts at {@code first}. */
    static boolean spans(Location first, Location last, Location next) {
        return next.offset() >= last.end() && next.offset() - last.end() <= SPAN_GAP
                && next.end() - first.offset() <= SPAN_BYTES;
    }

    /**
     * Reads a span of one pack (distinct chunks, ascending offsets, as {@link #spans} joins them) with one streamed
     * request and hands each chunk to {@code out} as soon as it is decoded and checked, into a buffer of {@code pool}.
     * Only one blob is held at a time (a per-thread buffer), whatever the span's size: a restore fetches whole packs
     * without holding them. A pack that is missing or ends early gives its remaining chunks an error; a target that
     * fails mid-read is a {@link TargetUnavailableException}. Once {@code stop} is true the chunks not read yet are
     * reported as not read.
     */
    static void stream(ObjectStore store, RepositoryKeys keys, List<Location> span, PlainBuffers pool,
                       java.util.function.BooleanSupplier stop, java.util.function.Consumer<Decoded> out) {
        Location first = span.getFirst();
        if (first.packId() == null) {
            for (Location l : span) {
                out.accept(new Decoded(l, null, "no index names this chunk"));
            }
            return;
        }
        String key = PackWriter.key(first.packId());
        long end = span.getLast().end();
        int done = 0;
        String missing = "pack missing or shorter than its index says";
        try (java.io.InputStream in = store.openRange(key, first.offset(), end - first.offset())) {
            long pos = first.offset();
            for (Location l : span) {
                if (stop.getAsBoolean()) {
                    missing = "the restore stopped before this chunk was read";
                    break;
                }
                in.skipNBytes(l.offset() - pos);
                byte[] blob = blobBuffer(l.blobLength());
                if (in.readNBytes(blob, 0, l.blobLength()) < l.blobLength()) {
                    break; // the pack is shorter than its index says
                }
                pos = l.end();
                out.accept(decodeInto(keys, l, blob, pool));
                done++;
            }
        } catch (ObjectNotFoundException | java.io.EOFException e) {
            // the remaining chunks are reported below
        } catch (java.io.IOException e) {
            throw new TargetUnavailableException("cannot read pack " + first.packId() + " from " + store.describe()
                    + ": " + e.getMessage(), e);
        }
        for (int i = done; i < span.size(); i++) {
            out.accept(new Decoded(span.get(i), null, missing));
        }
    }

    /** One blob of a streamed span; decoding copies the chunk out of it, so it is free again once decoded. */
    private static final ThreadLocal<byte[]> BLOB_BUFFER = new ThreadLocal<>();

    private static byte[] blobBuffer(int atLeast) {
        byte[] b = BLOB_BUFFER.get();
        if (b == null || b.length < atLeast) {
            // a full chunk's blob (codec byte, nonce and tag around 1 MiB) fits the first one
            b = new byte[Math.max(atLeast, BackupRun.CHUNK_MAX + 4096)];
            BLOB_BUFFER.set(b);
        }
        return b;
    }

    /** Like {@link #decode}, into a buffer of {@code pool} that goes back to it when the chunk fails its checks. */
    static Decoded decodeInto(RepositoryKeys keys, Location l, byte[] blob, PlainBuffers pool) {
        byte[] plain = pool.take(l.plainLength());
        String error = null;
        try {
            if (!Codecs.openChunkInto(keys, blob, 0, l.blobLength(), l.id(), l.plainLength(), plain)) {
                error = "malformed chunk frame";
            } else if (!MessageDigest.isEqual(keys.chunkId(plain, 0, l.plainLength()), l.id())) {
                error = "keyed id (HMAC-SHA256) mismatch";
            }
        } catch (AEADBadTagException e) {
            error = "AES-GCM authentication tag mismatch";
        }
        if (error != null) {
            pool.give(plain);
            return new Decoded(l, null, error);
        }
        return new Decoded(l, plain, null);
    }

    /**
     * The thread's buffer for one group's ranged read: decoding copies every chunk out of it, so it is free again when
     * {@link #read} returns. A restore used to allocate one per group (4 MiB, a humongous object for G1 each time).
     */
    private static final ThreadLocal<byte[]> GROUP_BUFFER = new ThreadLocal<>();

    private static byte[] groupBuffer(int atLeast) {
        byte[] b = GROUP_BUFFER.get();
        if (b == null || b.length < atLeast) {
            // a group is at most GROUP_BYTES, or one blob when a single chunk is larger
            b = new byte[Math.max(atLeast, GROUP_BYTES)];
            GROUP_BUFFER.set(b);
        }
        return b;
    }

    static Decoded decode(RepositoryKeys keys, Location l, byte[] data, int at) {
        byte[] plain;
        try {
            plain = Codecs.openChunk(keys, data, at, l.blobLength(), l.id(), l.plainLength());
        } catch (AEADBadTagException e) {
            return new Decoded(l, null, "AES-GCM authentication tag mismatch");
        }
        if (plain == null) {
            return new Decoded(l, null, "malformed chunk frame");
        }
        if (!MessageDigest.isEqual(keys.chunkId(plain, 0, plain.length), l.id())) {
            return new Decoded(l, null, "keyed id (HMAC-SHA256) mismatch");
        }
        return new Decoded(l, plain, null);
    }
}
