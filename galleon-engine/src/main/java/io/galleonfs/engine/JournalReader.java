package io.galleonfs.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a journal generation front to back and stops at the first record that is not intact: bad magic,
 * impossible length, short read or CRC mismatch all mean a torn tail written by a batch that was never
 * acknowledged (records are acknowledged only after the fsync that covers them).
 */
final class JournalReader implements AutoCloseable {
    private final FileChannel channel;
    private final Path path;
    private ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private long position;
    private boolean valid;

    JournalReader(Path path, long expectedGeneration) throws IOException {
        this.path = path;
        this.channel = FileChannel.open(path, StandardOpenOption.READ);
        ByteBuffer header = ByteBuffer.allocate(JournalFile.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(header, 0);
        header.flip();
        valid = header.remaining() == JournalFile.HEADER_BYTES
                && header.getInt() == JournalFile.MAGIC
                && header.getInt() == JournalFile.VERSION
                && header.getLong() == expectedGeneration;
        position = JournalFile.HEADER_BYTES;
    }

    Path path() {
        return path;
    }

    /** The next intact record, or null at the end of the valid prefix. */
    JournalCodec.Decoded next() throws IOException {
        if (!valid) {
            return null;
        }
        ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(head, position);
        if (head.position() < 8) {
            return end();
        }
        int magic = head.getInt(0);
        int total = head.getInt(4);
        if (magic != JournalCodec.MAGIC || total < JournalCodec.HEADER_BYTES + JournalCodec.TRAILER_BYTES
                || total > JournalCodec.MAX_RECORD_BYTES) {
            return end();
        }
        if (buffer.capacity() < total) {
            buffer = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        }
        buffer.clear().limit(total);
        readFully(buffer, position);
        if (buffer.position() < total) {
            return end();
        }
        buffer.flip();
        JournalCodec.Decoded record = JournalCodec.decode(buffer);
        if (record == null) {
            return end();
        }
        position += total;
        // The payload is a view of the shared buffer; copy it so the record outlives the next call.
        ByteBuffer payload = ByteBuffer.allocate(record.payload().remaining());
        payload.put(record.payload().duplicate()).flip();
        return new JournalCodec.Decoded(record.type(), record.volume(), record.layerId(), record.block(),
                record.seq(), record.payloadCrc(), record.tag(), payload);
    }

    private JournalCodec.Decoded end() {
        valid = false;
        return null;
    }

    private void readFully(ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst, pos);
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
