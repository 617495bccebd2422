package io.galleonfs.node.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A Writer that encodes straight into a growable UTF-8 byte array, unsynchronized. The exposition formatter writes a
 * scrape one character at a time (label escaping); into a {@code StringWriter} (a synchronized {@code StringBuffer}),
 * then copied to a String and encoded again, that was most of a scrape's CPU. One instance per scrape, one thread.
 */
final class ScrapeBuffer extends Writer {
    private byte[] bytes;
    private int size;

    ScrapeBuffer(int expectedBytes) {
        bytes = new byte[Math.max(1024, expectedBytes)];
    }

    @Override
    public void write(int c) {
        if (c < 0x80) {
            ensure(1);
            bytes[size++] = (byte) c;
        } else {
            write(new char[] {(char) c}, 0, 1);
        }
    }

    @Override
    public void write(String s, int off, int len) {
        ensure(len);
        for (int i = off; i < off + len; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                encode(s.substring(i, off + len));
                return;
            }
            bytes[size++] = (byte) c;
        }
    }

    @Override
    public void write(char[] cbuf, int off, int len) {
        write(new String(cbuf, off, len), 0, len);
    }

    private void encode(String rest) {
        byte[] utf8 = rest.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, bytes, size, utf8.length);
        size += utf8.length;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }

    int size() {
        return size;
    }

    byte[] bytes() {
        return bytes;
    }

    /** The bytes gzipped at the fastest level: text of repeated label sets shrinks ~10x even so, at a fraction of the CPU. */
    byte[] gzipped() throws IOException {
        ExposedBytes out = new ExposedBytes(size / 8);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            gz.write(bytes, 0, size);
        }
        return Arrays.copyOf(out.buf, out.count);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }

    /** A ByteArrayOutputStream without its synchronization. */
    private static final class ExposedBytes extends OutputStream {
        byte[] buf;
        int count;

        ExposedBytes(int initial) {
            buf = new byte[Math.max(1024, initial)];
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (count + len > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + len));
            }
            System.arraycopy(b, off, buf, count, len);
            count += len;
        }
    }
}
