package io.galleonfs.backup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * In-memory map chunk id -> (pack, offset, blob length, plain length): open addressing over flat arrays, about
 * 48 bytes per slot at most 70 % full, i.e. under 70 bytes per stored chunk (1 M chunks ~ 70 MB; a 100 GiB volume
 * of 1 MiB chunks ~ 7 MB). This is the only repository-wide structure held in memory. Not thread-safe: callers lock.
 */
final class ChunkIndex {
    static final int ID = ExtentMap.ID_BYTES;
    private static final HexFormat HEX = HexFormat.of();

    private byte[] ids;
    private int[] packs;
    private int[] offsets;
    private int[] blobLengths;
    private int[] plainLengths;
    private int size;
    private int mask;
    private final List<String> packIds = new ArrayList<>();
    /** Per pack number: blob bytes of entries that duplicate a chunk indexed at another location. */
    private long[] shadowedBytes = new long[16];
    private final Map<String, Integer> packNumbers = new HashMap<>();

    ChunkIndex() {
        allocate(1024);
    }

    private void allocate(int capacity) {
        ids = new byte[capacity * ID];
        packs = new int[capacity];
        Arrays.fill(packs, -1);
        offsets = new int[capacity];
        blobLengths = new int[capacity];
        plainLengths = new int[capacity];
        mask = capacity - 1;
        size = 0;
    }

    int size() {
        return size;
    }

    int capacity() {
        return packs.length;
    }

    /** Number for a pack id (hex), allocating one; a pending pack may get its id later via {@link #namePack}. */
    int packNumber(String packId) {
        return packNumbers.computeIfAbsent(packId, id -> {
            packIds.add(id);
            return packIds.size() - 1;
        });
    }

    int newPendingPack() {
        packIds.add(null);
        return packIds.size() - 1;
    }

    void namePack(int packNo, String packId) {
        packIds.set(packNo, packId);
        packNumbers.put(packId, packNo);
    }

    String packId(int packNo) {
        return packIds.get(packNo);
    }

    int packCount() {
        return packIds.size();
    }

    boolean hasPack(String packId) {
        return packNumbers.containsKey(packId);
    }

    private static int hash(byte[] id, int off) {
        // ids are HMAC outputs: their first bytes are already uniformly distributed
        return (id[off] & 0xFF) | (id[off + 1] & 0xFF) << 8 | (id[off + 2] & 0xFF) << 16 | (id[off + 3] & 0xFF) << 24;
    }

    /** Slot of {@code id} or -1. */
    int find(byte[] id, int off) {
        int slot = hash(id, off) & mask;
        while (packs[slot] != -1) {
            if (Arrays.equals(ids, slot * ID, slot * ID + ID, id, off, off + ID)) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    int find(byte[] id) {
        return find(id, 0);
    }

    /** Adds an entry unless the id is present; returns true if added. */
    boolean add(byte[] id, int off, int packNo, int offset, int blobLength, int plainLength) {
        if ((size + 1) * 10L > capacity() * 7L) {
            grow();
        }
        int slot = hash(id, off) & mask;
        while (packs[slot] != -1) {
            if (Arrays.equals(ids, slot * ID, slot * ID + ID, id, off, off + ID)) {
                if (packs[slot] != packNo || offsets[slot] != offset) {
                    shadow(packNo, blobLength);
                }
                return false;
            }
            slot = (slot + 1) & mask;
        }
        System.arraycopy(id, off, ids, slot * ID, ID);
        packs[slot] = packNo;
        offsets[slot] = offset;
        blobLengths[slot] = blobLength;
        plainLengths[slot] = plainLength;
        size++;
        return true;
    }

    private void shadow(int packNo, int blobLength) {
        if (packNo >= shadowedBytes.length) {
            shadowedBytes = Arrays.copyOf(shadowedBytes, Math.max(packNo + 1, shadowedBytes.length * 2));
        }
        shadowedBytes[packNo] += blobLength;
    }

    /**
     * Bytes of pack {@code packNo} that no lookup reaches: second copies of chunks already indexed elsewhere (the
     * packs of a prune or backup that crashed before its index was written or its old packs deleted). Dead weight
     * for prune.
     */
    long shadowedBytes(int packNo) {
        return packNo < shadowedBytes.length ? shadowedBytes[packNo] : 0;
    }

    /** Moves an entry to another pack (prune rewrite). */
    void relocate(int slot, int packNo, int offset) {
        packs[slot] = packNo;
        offsets[slot] = offset;
    }

    private void grow() {
        byte[] oldIds = ids;
        int[] oldPacks = packs;
        int[] oldOffsets = offsets;
        int[] oldBlob = blobLengths;
        int[] oldPlain = plainLengths;
        allocate(oldPacks.length * 2);
        for (int s = 0; s < oldPacks.length; s++) {
            if (oldPacks[s] != -1) {
                add(oldIds, s * ID, oldPacks[s], oldOffsets[s], oldBlob[s], oldPlain[s]);
            }
        }
    }

    boolean used(int slot) {
        return packs[slot] != -1;
    }

    int pack(int slot) {
        return packs[slot];
    }

    int offset(int slot) {
        return offsets[slot];
    }

    int blobLength(int slot) {
        return blobLengths[slot];
    }

    int plainLength(int slot) {
        return plainLengths[slot];
    }

    void copyId(int slot, byte[] dst, int dstOff) {
        System.arraycopy(ids, slot * ID, dst, dstOff, ID);
    }

    String idHex(int slot) {
        return HEX.formatHex(ids, slot * ID, slot * ID + ID);
    }
}
