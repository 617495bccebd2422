package io.galleonfs.engine;

/** Block reads of one volume served from the cache of decrypted blocks ({@code hits}) and decrypted anew ({@code misses}). */
public record ReadCacheStats(long hits, long misses) {
    public static final ReadCacheStats NONE = new ReadCacheStats(0, 0);

    /** Hits over all cached-path reads; 0 before the first. */
    public double hitRatio() {
        long all = hits + misses;
        return all == 0 ? 0 : (double) hits / all;
    }
}
