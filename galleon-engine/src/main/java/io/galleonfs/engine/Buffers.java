package io.galleonfs.engine;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** Buffer helpers, including per-thread scratch space so the read path does not allocate per block. */
final class Buffers {
    private static final ByteBuffer ZEROS = ByteBuffer.allocate(64 << 10).asReadOnlyBuffer();
    private static final ThreadLocal<ByteBuffer> STORED = new ThreadLocal<>();
    private static final ThreadLocal<ByteBuffer> PLAIN = new ThreadLocal<>();

    private Buffers() {
    }

    /** Fills the remaining bytes with zeros and advances the position to the limit. */
    static void zero(ByteBuffer out) {
        if (out.hasArray()) {
            int start = out.arrayOffset() + out.position();
            Arrays.fill(out.array(), start, start + out.remaining(), (byte) 0);
            out.position(out.limit());
            return;
        }
        while (out.hasRemaining()) {
            out.put(ZEROS.duplicate().limit(Math.min(ZEROS.capacity(), out.remaining())));
        }
    }

    static boolean isZero(ByteBuffer buf) {
        ByteBuffer b = buf.duplicate();
        while (b.remaining() >= 8) {
            if (b.getLong() != 0) {
                return false;
            }
        }
        while (b.hasRemaining()) {
            if (b.get() != 0) {
                return false;
            }
        }
        return true;
    }

    /** Thread-local buffer for stored (on-disk) block bytes, cleared and limited to {@code size}. */
    static ByteBuffer stored(int size) {
        return scratch(STORED, size);
    }

    /** Thread-local buffer for decrypted block bytes, cleared and limited to {@code size}. */
    static ByteBuffer plain(int size) {
        return scratch(PLAIN, size);
    }

    private static ByteBuffer scratch(ThreadLocal<ByteBuffer> holder, int size) {
        ByteBuffer b = holder.get();
        if (b == null || b.capacity() < size) {
            b = ByteBuffer.allocate(size);
            holder.set(b);
        }
        b.clear().limit(size);
        return b;
    }
}
