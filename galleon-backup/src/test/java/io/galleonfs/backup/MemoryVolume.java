package io.galleonfs.backup;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.roaringbitmap.RoaringBitmap;

/** A volume held in a byte array, usable as backup source and restore sink; counts bytes read. */
final class MemoryVolume implements BackupSource, RestoreSink {
    final byte[] data;
    final int blockSize;
    RoaringBitmap toRead;
    final AtomicLong bytesRead = new AtomicLong();
    final AtomicLong bytesWritten = new AtomicLong();
    boolean flushed;

    MemoryVolume(int size, int blockSize) {
        this.data = new byte[size];
        this.blockSize = blockSize;
        this.toRead = allocated();
    }

    MemoryVolume(byte[] data, int blockSize) {
        this.data = data;
        this.blockSize = blockSize;
        this.toRead = allocated();
    }

    int blocks() {
        return data.length / blockSize;
    }

    /** All blocks that are not zero, the way an engine reports allocated blocks. */
    RoaringBitmap allocated() {
        RoaringBitmap b = new RoaringBitmap();
        byte[] zero = new byte[blockSize];
        for (int i = 0; i < blocks(); i++) {
            if (!Arrays.equals(data, i * blockSize, (i + 1) * blockSize, zero, 0, blockSize)) {
                b.add(i);
            }
        }
        return b;
    }

    /** Random + repeated + zero regions: the mixed image of the benchmarks. */
    static MemoryVolume mixed(int size, int blockSize, long seed) {
        MemoryVolume v = new MemoryVolume(size, blockSize);
        Random r = new Random(seed);
        byte[] pattern = new byte[64 << 10];
        r.nextBytes(pattern);
        int third = size / 3 / blockSize * blockSize;
        byte[] rnd = new byte[third];
        r.nextBytes(rnd);
        System.arraycopy(rnd, 0, v.data, 0, third);
        for (int off = third; off < 2 * third; off += pattern.length) {
            System.arraycopy(pattern, 0, v.data, off, Math.min(pattern.length, 2 * third - off));
        }
        v.toRead = v.allocated();
        return v;
    }

    /** Overwrites {@code fraction} of the blocks, chosen at random, with random bytes; returns them. */
    RoaringBitmap changeRandomBlocks(double fraction, long seed) {
        Random r = new Random(seed);
        RoaringBitmap changed = new RoaringBitmap();
        int target = (int) (blocks() * fraction);
        while (changed.getCardinality() < target) {
            changed.add(r.nextInt(blocks()));
        }
        byte[] block = new byte[blockSize];
        changed.forEach((int b) -> {
            r.nextBytes(block);
            System.arraycopy(block, 0, data, b * blockSize, blockSize);
        });
        return changed;
    }

    MemoryVolume copy() {
        MemoryVolume v = new MemoryVolume(data.clone(), blockSize);
        v.toRead = toRead.clone();
        return v;
    }

    @Override
    public long sizeBytes() {
        return data.length;
    }

    @Override
    public int blockSize() {
        return blockSize;
    }

    @Override
    public RoaringBitmap blocksToRead() {
        return toRead;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        int n = dst.remaining();
        dst.put(data, (int) offset, n);
        bytesRead.addAndGet(n);
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        int n = src.remaining();
        src.get(data, (int) offset, n);
        bytesWritten.addAndGet(n);
    }

    @Override
    public void flush() {
        flushed = true;
    }
}
