package io.galleonfs.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * Decrypted blocks of encrypted volumes, bounded in bytes and shared by all volumes of an engine. The kernel's page
 * cache already holds the stored (encrypted) bytes, so what a hit saves is the read call, the CRC32C check and the
 * AES-GCM decryption.
 *
 * <p>An entry is keyed by the block's version: (volume, block, version), where a version names one stored ciphertext
 * for ever. The layer engine uses the block's sequence number (a volume never reuses one under one data key: it is the
 * GCM nonce); the log store uses the record's location in the log (segment numbers are never reused, and a record is
 * never rewritten in place: the cleaner moves it to a new location). So a key always names the same plaintext: an
 * overwrite, trim, snapshot restore, layer merge or cleaner move changes which version a read resolves to, never what
 * a version holds, and nothing has to be invalidated. Entries of deleted volumes or overwritten blocks age out of the
 * LRU.
 */
public final class DecryptedBlockCache {
    private record Key(UUID volume, long block, long version) {
    }

    private final Cache<Key, byte[]> cache;

    private DecryptedBlockCache(long maxBytes) {
        this.cache = Caffeine.newBuilder().maximumWeight(maxBytes).weigher((Key k, byte[] v) -> v.length).build();
    }

    /** A cache of at most {@code maxBytes}, or null when {@code maxBytes} is 0 (no cache). */
    public static DecryptedBlockCache ofBytes(long maxBytes) {
        return maxBytes == 0 ? null : new DecryptedBlockCache(maxBytes);
    }

    /** Copies bytes [inBlock, inBlock + out.remaining()) of the cached block into {@code out}; false on a miss. */
    public boolean copyInto(UUID volume, long block, long version, int inBlock, ByteBuffer out) {
        byte[] plain = cache.getIfPresent(new Key(volume, block, version));
        if (plain == null) {
            return false;
        }
        out.put(plain, inBlock, out.remaining());
        return true;
    }

    /** Keeps a copy of a decrypted block ({@code plain} from position 0 to its limit); does not move {@code plain}. */
    public void put(UUID volume, long block, long version, ByteBuffer plain) {
        byte[] copy = new byte[plain.limit()];
        plain.duplicate().position(0).get(copy);
        cache.put(new Key(volume, block, version), copy);
    }

    /** Approximate number of cached blocks (for tests and stats). */
    public long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }
}
