package io.galleonfs.backup;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.AEADBadTagException;

/** Reads a pack's own trailing index: how a pack written before a crash is found without any index file. */
final class PackReader {
    private PackReader() {
    }

    static List<PackEntry> readTrailer(ObjectStore store, String key, long size, RepositoryKeys keys) {
        if (size < PackWriter.TRAILER + RepositoryKeys.OVERHEAD) {
            throw new RepositoryCorruptedException("pack " + key + " is too short (" + size + " bytes)");
        }
        byte[] tail = store.getRange(key, size - PackWriter.TRAILER, PackWriter.TRAILER);
        if (!Arrays.equals(tail, 4, 12, PackWriter.MAGIC, 0, 8)) {
            throw new RepositoryCorruptedException("pack " + key + " has no pack trailer");
        }
        int len = (tail[0] & 0xFF) << 24 | (tail[1] & 0xFF) << 16 | (tail[2] & 0xFF) << 8 | (tail[3] & 0xFF);
        if (len < RepositoryKeys.OVERHEAD || len > size - PackWriter.TRAILER) {
            throw new RepositoryCorruptedException("pack " + key + " has a bad index length " + len);
        }
        long indexStart = size - PackWriter.TRAILER - len;
        byte[] sealed = store.getRange(key, indexStart, len);
        return parseIndex(key, sealed, 0, len, indexStart, keys);
    }

    static List<PackEntry> parseIndex(String key, byte[] sealed, int off, int len, long blobArea, RepositoryKeys keys) {
        byte[] plain;
        try {
            plain = keys.open(sealed, off, len, PackWriter.INDEX_AAD);
        } catch (AEADBadTagException e) {
            throw new RepositoryCorruptedException("index of pack " + key + " fails its authentication check", e);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(plain))) {
            int n = in.readInt();
            if (n < 0 || n > plain.length / 44) {
                throw new RepositoryCorruptedException("index of pack " + key + " has a bad count " + n);
            }
            List<PackEntry> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] id = new byte[32];
                in.readFully(id);
                int offset = in.readInt();
                int blobLength = in.readInt();
                int plainLength = in.readInt();
                if (offset < 0 || blobLength < RepositoryKeys.OVERHEAD || (long) offset + blobLength > blobArea
                        || plainLength < 0) {
                    throw new RepositoryCorruptedException("index of pack " + key + " has a bad entry " + i);
                }
                out.add(new PackEntry(id, offset, blobLength, plainLength));
            }
            return out;
        } catch (IOException e) {
            throw new RepositoryCorruptedException("index of pack " + key + " is truncated", e);
        }
    }

    /** Parses a whole pack held in memory (prune rewrite, full verify of a pack). */
    static List<PackEntry> entriesOf(String key, byte[] pack, RepositoryKeys keys) {
        int size = pack.length;
        if (size < PackWriter.TRAILER + RepositoryKeys.OVERHEAD
                || !Arrays.equals(pack, size - 8, size, PackWriter.MAGIC, 0, 8)) {
            throw new RepositoryCorruptedException("pack " + key + " has no pack trailer");
        }
        int p = size - PackWriter.TRAILER;
        int len = (pack[p] & 0xFF) << 24 | (pack[p + 1] & 0xFF) << 16 | (pack[p + 2] & 0xFF) << 8 | (pack[p + 3] & 0xFF);
        if (len < RepositoryKeys.OVERHEAD || len > p) {
            throw new RepositoryCorruptedException("pack " + key + " has a bad index length " + len);
        }
        return parseIndex(key, pack, p - len, len, p - len, keys);
    }
}
