package io.galleonfs.node.nbd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload of one NBD write as it arrives: chunks of at most {@link #CHUNK} bytes, each allocated only when the first
 * of its bytes is there (and after its size was taken from the ingress budget), never one buffer for the length the
 * client announced. The export gets the chunks as consecutive writes, so nothing is copied again. Event loop only until
 * complete; then owned by the worker that writes it.
 */
final class WritePayload {
    /** Large enough that a chunk is one efficient engine write, small enough that a stalled client holds little. */
    static final int CHUNK = 1 << 20;

    private final long length;
    /** The first chunk (every write up to {@link #CHUNK} bytes has only this one), then the others, made on demand. */
    private byte[] first;
    private List<byte[]> more;
    private long allocated;
    private long received;

    WritePayload(long length) {
        this.length = length;
    }

    long length() {
        return length;
    }

    boolean complete() {
        return received == length;
    }

    /** Bytes held by the allocated chunks, all taken from the budget. */
    long reserved() {
        return allocated;
    }

    /** True when the next byte needs a new chunk; {@link #nextChunkSize()} bytes must be reserved first. */
    boolean needsChunk() {
        return received == allocated && received < length;
    }

    int nextChunkSize() {
        return (int) Math.min(CHUNK, length - allocated);
    }

    void addChunk() {
        int size = nextChunkSize();
        if (first == null) {
            first = new byte[size];
        } else {
            if (more == null) {
                more = new ArrayList<>();
            }
            more.add(new byte[size]);
        }
        allocated += size;
    }

    /** Copies what fits of {@code in} into the current chunk. */
    void fill(ByteBuffer in) {
        byte[] chunk = more == null ? first : more.getLast();
        int at = (int) (received - (allocated - chunk.length));
        int n = Math.min(in.remaining(), chunk.length - at);
        in.get(chunk, at, n);
        received += n;
    }

    /** The whole payload when it is one chunk (every write up to {@link #CHUNK} bytes), else null. */
    byte[] single() {
        return more == null && complete() ? first : null;
    }

    /** Writes the payload at {@code offset}, chunk by chunk. */
    void writeTo(NbdExport export, long offset) throws IOException {
        if (first == null) {
            return;
        }
        export.write(offset, ByteBuffer.wrap(first));
        if (more != null) {
            long at = offset + first.length;
            for (byte[] chunk : more) {
                export.write(at, ByteBuffer.wrap(chunk));
                at += chunk.length;
            }
        }
    }
}
