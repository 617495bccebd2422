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
 * <p>An entry is keyed by the block's version, not its location: (volume, block, sequence number). A volume never
 * reuses a sequence number under one data key (it is the GCM nonce), so a key always names the same plaintext: an
 * overwrite, trim, snapshot restore or layer merge changes which version a read resolves to, never what a version
 * holds, and nothing has to be invalidated. Entries of deleted volumes or overwritten blocks age out of the LRU.
 */
final class DecryptedBlockCache {
    private record Key(UUID volume, long block, long seq) {
    }

    private final Cache<Key, byte[]> cache;

    private DecryptedBlockCache(long maxBytes) {
        this.cache = Caffeine.newBuilder().maximumWeight(maxBytes).weigher((Key k, byte[] v) -> v.length).build();
    }

    /** A cache of at most {@code maxBytes}, or null when {@code maxBytes} is 0 (no cache). */
    static DecryptedBlockCache ofBytes(long maxBytes) {
        return maxBytes == 0 ? null : new DecryptedBlockCache(maxBytes);
    }

    /** Copies bytes [inBlock, inBlock + out.remaining()) of the cached block into {@code out}; false on a miss. */
    boolean copyInto(UUID volume, long block, long seq, int inBlock, ByteBuffer out) {
        byte[] plain = cache.getIfPresent(new Key(volume, block, seq));
        if (plain == null) {
            return false;
        }
        out.put(plain, inBlock, out.remaining());
        return true;
    }

    /** Keeps a copy of a decrypted block ({@code plain} from position 0 to its limit); does not move {@code plain}. */
    void put(UUID volume, long block, long seq, ByteBuffer plain) {
        byte[] copy = new byte[plain.limit()];
        plain.duplicate().position(0).get(copy);
        cache.put(new Key(volume, block, seq), copy);
    }

    /** Approximate number of cached blocks (for tests and stats). */
    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }
}
