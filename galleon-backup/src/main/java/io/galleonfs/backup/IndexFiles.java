package io.galleonfs.backup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Repository index objects {@code index/<sha256>}: which chunks live in which packs, so opening a repository reads a
 * few index objects instead of every pack trailer. Written after the packs they name are durable and before any
 * manifest that needs them. Duplicate entries across index files are harmless (the first one loaded wins; both packs
 * exist). Format: {@code "GLNIDX01" | sealed(u32 plain length | zstd(plain))} with aad "galleon-backup index",
 * plain = {@code u32 packs | pack id[32]* | u32 entries | (id[32] | varint pack# | varint offset | varint blob length
 * | varint plain length)*}. At most {@link #MAX_ENTRIES} entries per object bound the memory of writing one.
 */
final class IndexFiles {
    static final String PREFIX = "index/";
    static final int MAX_ENTRIES = 200_000;
    private static final byte[] MAGIC = Codecs.ascii("GLNIDX01");
    private static final byte[] AAD = Codecs.ascii("galleon-backup index");

    private IndexFiles() {
    }

    /** Writes index objects for the given slots of {@code index}; returns their keys. */
    static List<String> write(ObjectStore store, RepositoryKeys keys, ChunkIndex index, int[] slots, int count) {
        List<String> written = new java.util.ArrayList<>();
        for (int start = 0; start < count; start += MAX_ENTRIES) {
            int end = Math.min(count, start + MAX_ENTRIES);
            written.add(writeOne(store, keys, index, slots, start, end));
        }
        return written;
    }

    private static String writeOne(ObjectStore store, RepositoryKeys keys, ChunkIndex index, int[] slots, int start,
                                   int end) {
        Map<Integer, Integer> local = new HashMap<>();
        ByteArrayOutputStream packBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream entryBytes = new ByteArrayOutputStream((end - start) * 44);
        try (DataOutputStream entries = new DataOutputStream(entryBytes)) {
            byte[] id = new byte[32];
            for (int i = start; i < end; i++) {
                int slot = slots[i];
                int packNo = index.pack(slot);
                Integer l = local.get(packNo);
                if (l == null) {
                    l = local.size();
                    local.put(packNo, l);
                    packBytes.write(Codecs.HEX.parseHex(index.packId(packNo)));
                }
                index.copyId(slot, id, 0);
                entries.write(id);
                Varint.writeLong(entries, l);
                Varint.writeLong(entries, index.offset(slot));
                Varint.writeLong(entries, index.blobLength(slot));
                Varint.writeLong(entries, index.plainLength(slot));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ByteArrayOutputStream plain = new ByteArrayOutputStream(packBytes.size() + entryBytes.size() + 8);
        try (DataOutputStream out = new DataOutputStream(plain)) {
            out.writeInt(local.size());
            packBytes.writeTo(out);
            out.writeInt(end - start);
            entryBytes.writeTo(out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] body = Codecs.sealBody(keys, plain.toByteArray(), AAD);
        byte[] obj = Arrays.copyOf(MAGIC, MAGIC.length + body.length);
        System.arraycopy(body, 0, obj, MAGIC.length, body.length);
        String key = PREFIX + Codecs.sha256Hex(obj);
        store.put(key, obj);
        return key;
    }

    /** Loads one index object into {@code index}; returns the number of entries read. */
    static int load(ObjectStore store, RepositoryKeys keys, String key, ChunkIndex index) {
        byte[] obj = store.get(key);
        if (obj.length < MAGIC.length || !Arrays.equals(obj, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new RepositoryCorruptedException("index object " + key + " has no index magic");
        }
        byte[] plain = Codecs.openBody(keys, obj, MAGIC.length, obj.length - MAGIC.length, AAD, "index " + key);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plain))) {
            int packs = in.readInt();
            if (packs < 0 || packs > plain.length / 32) {
                throw new RepositoryCorruptedException("index " + key + " has a bad pack count");
            }
            int[] packNos = new int[packs];
            byte[] pid = new byte[32];
            for (int i = 0; i < packs; i++) {
                in.readFully(pid);
                packNos[i] = index.packNumber(Codecs.HEX.formatHex(pid));
            }
            int n = in.readInt();
            byte[] id = new byte[32];
            for (int i = 0; i < n; i++) {
                in.readFully(id);
                int l = (int) Varint.readLong(in);
                if (l < 0 || l >= packs) {
                    throw new RepositoryCorruptedException("index " + key + " has a bad pack reference");
                }
                int offset = Math.toIntExact(Varint.readLong(in));
                int blobLength = Math.toIntExact(Varint.readLong(in));
                int plainLength = Math.toIntExact(Varint.readLong(in));
                index.add(id, 0, packNos[l], offset, blobLength, plainLength);
            }
            return n;
        } catch (IOException | ArithmeticException e) {
            throw new RepositoryCorruptedException("index " + key + " is truncated or malformed", e);
        }
    }
}
