package io.galleonfs.backup;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds one pack in memory: sealed blobs back to back, then the pack's own sealed index, its length and a magic.
 * <pre>
 * blob*  | sealed(index) | u32 sealed index length | "GLNPACK1"
 * blob   = nonce[12] | AES-GCM(codec u8 | payload, aad = chunk id) | tag[16]
 * index  = u32 count | (id[32] | u32 offset | u32 blob length | u32 plain length)*   (aad = "galleon-backup pack")
 * </pre>
 * The pack is named by the SHA-256 of its bytes, so a pack read back can be checked whole.
 */
final class PackWriter {
    static final byte[] MAGIC = Codecs.ascii("GLNPACK1");
    static final byte[] INDEX_AAD = Codecs.ascii("galleon-backup pack");
    static final int TRAILER = 4 + 8;

    private byte[] buf;
    private int length;
    private final List<PackEntry> entries = new ArrayList<>();
    private final int packNo;

    PackWriter(int packNo, int initialCapacity) {
        this(packNo, new byte[Math.max(1024, initialCapacity)]);
    }

    /** A pack filled into {@code buffer} (its old content is overwritten), e.g. the buffer of a pack already uploaded. */
    PackWriter(int packNo, byte[] buffer) {
        this.packNo = packNo;
        this.buf = buffer;
    }

    int packNo() {
        return packNo;
    }

    int length() {
        return length;
    }

    int count() {
        return entries.size();
    }

    List<PackEntry> entries() {
        return entries;
    }

    /** Appends a sealed blob; returns its offset in the pack. */
    int add(byte[] id, byte[] blob, int plainLength) {
        return add(id, blob, 0, blob.length, plainLength);
    }

    int add(byte[] id, byte[] src, int off, int len, int plainLength) {
        if (length + len > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + len));
        }
        System.arraycopy(src, off, buf, length, len);
        int at = length;
        length += len;
        entries.add(new PackEntry(id.clone(), at, len, plainLength));
        return at;
    }

    /** The complete pack object: {@code bytes[0, length)} (the fill buffer itself when the trailer fits). */
    record Sealed(byte[] bytes, int length) {
    }

    Sealed finish(RepositoryKeys keys) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(entries.size() * 44 + 4);
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.writeInt(entries.size());
            for (PackEntry e : entries) {
                out.write(e.id());
                out.writeInt(e.offset());
                out.writeInt(e.blobLength());
                out.writeInt(e.plainLength());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] sealedIndex = keys.seal(bos.toByteArray(), INDEX_AAD);
        int total = length + sealedIndex.length + TRAILER;
        byte[] pack = total <= buf.length ? buf : Arrays.copyOf(buf, total);
        System.arraycopy(sealedIndex, 0, pack, length, sealedIndex.length);
        int p = length + sealedIndex.length;
        pack[p] = (byte) (sealedIndex.length >>> 24);
        pack[p + 1] = (byte) (sealedIndex.length >>> 16);
        pack[p + 2] = (byte) (sealedIndex.length >>> 8);
        pack[p + 3] = (byte) sealedIndex.length;
        System.arraycopy(MAGIC, 0, pack, p + 4, MAGIC.length);
        buf = null;
        return new Sealed(pack, total);
    }

    /** The pack as an exact-length array (tests, small packs). */
    byte[] finishBytes(RepositoryKeys keys) {
        Sealed s = finish(keys);
        return s.length() == s.bytes().length ? s.bytes() : Arrays.copyOf(s.bytes(), s.length());
    }

    static String key(String packId) {
        return "data/" + packId.substring(0, 2) + "/" + packId;
    }

    static String idOfKey(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
