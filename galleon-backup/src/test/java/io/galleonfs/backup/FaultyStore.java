package io.galleonfs.backup;

import java.util.List;
import java.util.function.Predicate;

/**
 * Wraps a store and makes puts of matching keys fail, like a target that dies or a process killed mid-backup; counts the
 * bytes of ranged reads.
 */
final class FaultyStore implements ObjectStore {
    private final ObjectStore inner;
    volatile Predicate<String> failPut = k -> false;
    /** Runs before every put (on the putting thread), e.g. to hold uploads and count how many run at once. */
    volatile java.util.function.Consumer<String> beforePut = k -> { };
    /** Bytes returned by ranged reads (restore and verify fetch through them). */
    final java.util.concurrent.atomic.AtomicLong rangeBytes = new java.util.concurrent.atomic.AtomicLong();

    FaultyStore(ObjectStore inner) {
        this.inner = inner;
    }

    @Override
    public void put(String key, byte[] data) {
        beforePut.accept(key);
        if (failPut.test(key)) {
            throw new TargetUnavailableException("injected failure writing " + key);
        }
        inner.put(key, data);
    }

    @Override
    public byte[] get(String key) {
        return inner.get(key);
    }

    @Override
    public byte[] getRange(String key, long offset, int length) {
        byte[] data = inner.getRange(key, offset, length);
        rangeBytes.addAndGet(data.length);
        return data;
    }

    /** Ranges opened by streamed reads: key, offset, length (a restore fetches pack spans through them). */
    record Range(String key, long offset, long length) {
    }

    final java.util.Queue<Range> ranges = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Override
    public java.io.InputStream openRange(String key, long offset, long length) {
        ranges.add(new Range(key, offset, length));
        java.io.InputStream in = inner.openRange(key, offset, length);
        return new java.io.FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    rangeBytes.addAndGet(n);
                }
                return n;
            }

            @Override
            public long skip(long n) throws java.io.IOException {
                long k = super.skip(n);
                rangeBytes.addAndGet(k); // a skipped hole is transferred too
                return k;
            }
        };
    }

    @Override
    public boolean exists(String key) {
        return inner.exists(key);
    }

    @Override
    public long size(String key) {
        return inner.size(key);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return inner.list(prefix);
    }

    @Override
    public void delete(String key) {
        inner.delete(key);
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void close() {
        inner.close();
    }
}
