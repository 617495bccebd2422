package io.galleonfs.backup;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Immutable, sorted, non-overlapping map from volume byte ranges to slices of chunks. Stored in parallel primitive
 * arrays (about 24 bytes per extent plus 32 per distinct chunk) because an incremental of a large volume with
 * scattered writes has millions of extents. Ranges not covered read as zero. A delta map (one backup run) may also
 * hold zero extents ({@link #ZERO} chunk reference): they punch holes into the base when laid over it.
 */
public final class ExtentMap {
    /** Chunk reference of an extent that reads as zeros. */
    public static final int ZERO = -1;
    static final int ID_BYTES = 32;
    private static final HexFormat HEX = HexFormat.of();
    private static final ExtentMap EMPTY = new ExtentMap(0, new long[0], new int[0], new int[0], new int[0],
            new byte[0], 0);

    /** Public view of one extent; {@code chunkId} is null for a zero extent. */
    public record Extent(long volumeOffset, int length, String chunkId, int chunkOffset) {
        public long end() {
            return volumeOffset + length;
        }
    }

    private final int n;
    private final long[] offsets;
    private final int[] lengths;
    private final int[] refs;
    private final int[] chunkOffsets;
    private final byte[] ids;
    private final int chunkCount;

    private ExtentMap(int n, long[] offsets, int[] lengths, int[] refs, int[] chunkOffsets, byte[] ids,
                      int chunkCount) {
        this.n = n;
        this.offsets = offsets;
        this.lengths = lengths;
        this.refs = refs;
        this.chunkOffsets = chunkOffsets;
        this.ids = ids;
        this.chunkCount = chunkCount;
    }

    public static ExtentMap empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int extentCount() {
        return n;
    }

    /** Number of distinct chunks referenced. */
    public int chunkCount() {
        return chunkCount;
    }

    public long volumeOffset(int i) {
        return offsets[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    /** Index into the chunk table, or {@link #ZERO}. */
    public int chunkRef(int i) {
        return refs[i];
    }

    public int chunkOffset(int i) {
        return chunkOffsets[i];
    }

    /** Copy of the 32-byte id of chunk {@code ref}. */
    public byte[] chunkId(int ref) {
        return Arrays.copyOfRange(ids, ref * ID_BYTES, (ref + 1) * ID_BYTES);
    }

    public String chunkIdHex(int ref) {
        return HEX.formatHex(ids, ref * ID_BYTES, (ref + 1) * ID_BYTES);
    }

    public Extent extent(int i) {
        return new Extent(offsets[i], lengths[i], refs[i] == ZERO ? null : chunkIdHex(refs[i]), chunkOffsets[i]);
    }

    /** Bytes covered by chunk extents (zero extents excluded). */
    public long referencedBytes() {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            if (refs[i] != ZERO) {
                sum += lengths[i];
            }
        }
        return sum;
    }

    /** Index of the first extent that references chunk {@code ref}, or -1. */
    public int firstExtentOf(int ref) {
        for (int i = 0; i < n; i++) {
            if (refs[i] == ref) {
                return i;
            }
        }
        return -1;
    }

    /**
     * This map with {@code delta} laid over it, cut to {@code newSize} bytes: every range the delta covers comes
     * from the delta (zero extents become holes), the rest from this map. Linear in both sizes.
     */
    public ExtentMap overlay(ExtentMap delta, long newSize) {
        Builder out = new Builder();
        int j = 0;
        int dn = delta.n;
        int i = 0;
        // Walk base pieces (base minus delta ranges) and delta extents together, emitting in offset order.
        long skipUntil = 0;
        long baseCur = n > 0 ? offsets[0] : 0;
        while (i < n || j < dn) {
            if (i < n && baseCur >= offsets[i] + lengths[i]) {
                i++;
                if (i < n) {
                    baseCur = Math.max(offsets[i], skipUntil);
                }
                continue;
            }
            if (i < n && (j >= dn || baseCur < delta.offsets[j])) {
                long pieceEnd = offsets[i] + lengths[i];
                if (j < dn) {
                    pieceEnd = Math.min(pieceEnd, delta.offsets[j]);
                }
                int ref = refs[i];
                if (ref != ZERO) {
                    out.addRef(baseCur, (int) (pieceEnd - baseCur), ids, ref,
                            chunkOffsets[i] + (int) (baseCur - offsets[i]), newSize);
                }
                baseCur = pieceEnd;
                continue;
            }
            // delta extent j starts at or before baseCur (or base is exhausted): emit it, skip the base it covers
            long dEnd = delta.offsets[j] + delta.lengths[j];
            if (delta.refs[j] != ZERO) {
                out.addRef(delta.offsets[j], delta.lengths[j], delta.ids, delta.refs[j], delta.chunkOffsets[j],
                        newSize);
            }
            skipUntil = dEnd;
            if (i < n && baseCur < dEnd) {
                baseCur = dEnd;
            }
            j++;
        }
        return out.build();
    }

    /** SHA-256 over (offset, length, chunk id, chunk offset) of every non-zero extent. */
    public byte[] digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(16 + ID_BYTES);
            for (int i = 0; i < n; i++) {
                if (refs[i] == ZERO) {
                    continue;
                }
                b.clear();
                b.putLong(offsets[i]).putInt(lengths[i]).putInt(chunkOffsets[i]);
                b.put(ids, refs[i] * ID_BYTES, ID_BYTES);
                md.update(b.array(), 0, b.position());
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void writeTo(DataOutput out) throws IOException {
        out.writeInt(chunkCount);
        out.write(ids, 0, chunkCount * ID_BYTES);
        out.writeInt(n);
        long prevEnd = 0;
        for (int i = 0; i < n; i++) {
            Varint.writeLong(out, offsets[i] - prevEnd);
            Varint.writeLong(out, lengths[i]);
            Varint.writeLong(out, refs[i] + 1L);
            Varint.writeLong(out, chunkOffsets[i]);
            prevEnd = offsets[i] + lengths[i];
        }
    }

    static ExtentMap readFrom(DataInput in) throws IOException {
        int chunks = in.readInt();
        if (chunks < 0 || chunks > (Integer.MAX_VALUE / ID_BYTES)) {
            throw new IOException("bad chunk count " + chunks);
        }
        byte[] ids = new byte[chunks * ID_BYTES];
        in.readFully(ids);
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("bad extent count " + n);
        }
        long[] offsets = new long[n];
        int[] lengths = new int[n];
        int[] refs = new int[n];
        int[] chunkOffsets = new int[n];
        long prevEnd = 0;
        for (int i = 0; i < n; i++) {
            offsets[i] = prevEnd + Varint.readLong(in);
            lengths[i] = Math.toIntExact(Varint.readLong(in));
            refs[i] = Math.toIntExact(Varint.readLong(in) - 1);
            chunkOffsets[i] = Math.toIntExact(Varint.readLong(in));
            if (refs[i] < ZERO || refs[i] >= chunks || lengths[i] <= 0 || chunkOffsets[i] < 0
                    || offsets[i] < prevEnd) {
                throw new IOException("bad extent " + i);
            }
            prevEnd = offsets[i] + lengths[i];
        }
        return new ExtentMap(n, offsets, lengths, refs, chunkOffsets, ids, chunks);
    }

    /** Builds a map from extents added in increasing, non-overlapping offset order. */
    public static final class Builder {
        private long[] offsets = new long[64];
        private int[] lengths = new int[64];
        private int[] refs = new int[64];
        private int[] chunkOffsets = new int[64];
        private int n;
        private byte[] ids = new byte[64 * ID_BYTES];
        private int chunkCount;
        private final Map<ByteBuffer, Integer> refOf = new HashMap<>();

        /** Adds {@code length} bytes at {@code offset} backed by chunk {@code id} from {@code chunkOffset}. */
        public Builder add(long offset, int length, byte[] id, int chunkOffset) {
            if (id.length != ID_BYTES) {
                throw new IllegalArgumentException("chunk id must be 32 bytes");
            }
            return addRef(offset, length, id, 0, chunkOffset, Long.MAX_VALUE);
        }

        /** Adds a range that reads as zeros (only meaningful in a delta). */
        public Builder addZero(long offset, int length) {
            append(offset, length, ZERO, 0);
            return this;
        }

        Builder addRef(long offset, int length, byte[] idSource, int idIndex, int chunkOffset, long limit) {
            if (offset >= limit) {
                return this;
            }
            int len = (int) Math.min(length, limit - offset);
            ByteBuffer key = ByteBuffer.wrap(Arrays.copyOfRange(idSource, idIndex * ID_BYTES, (idIndex + 1) * ID_BYTES));
            Integer ref = refOf.get(key);
            if (ref == null) {
                if ((chunkCount + 1) * ID_BYTES > ids.length) {
                    ids = Arrays.copyOf(ids, ids.length * 2);
                }
                System.arraycopy(idSource, idIndex * ID_BYTES, ids, chunkCount * ID_BYTES, ID_BYTES);
                ref = chunkCount++;
                refOf.put(key, ref);
            }
            append(offset, len, ref, chunkOffset);
            return this;
        }

        private void append(long offset, int length, int ref, int chunkOffset) {
            if (length <= 0) {
                throw new IllegalArgumentException("extent length must be positive");
            }
            if (n > 0 && offset < offsets[n - 1] + lengths[n - 1]) {
                throw new IllegalArgumentException("extents must be added in order without overlap: " + offset);
            }
            if (n == offsets.length) {
                int cap = n * 2;
                offsets = Arrays.copyOf(offsets, cap);
                lengths = Arrays.copyOf(lengths, cap);
                refs = Arrays.copyOf(refs, cap);
                chunkOffsets = Arrays.copyOf(chunkOffsets, cap);
            }
            offsets[n] = offset;
            lengths[n] = length;
            refs[n] = ref;
            chunkOffsets[n] = chunkOffset;
            n++;
        }

        public ExtentMap build() {
            if (n == 0) {
                return EMPTY;
            }
            return new ExtentMap(n, Arrays.copyOf(offsets, n), Arrays.copyOf(lengths, n), Arrays.copyOf(refs, n),
                    Arrays.copyOf(chunkOffsets, n), Arrays.copyOf(ids, chunkCount * ID_BYTES), chunkCount);
        }
    }
}
