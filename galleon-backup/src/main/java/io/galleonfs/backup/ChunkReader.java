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

    /** Plaintext of a chunk, or why it could not be had. */
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
