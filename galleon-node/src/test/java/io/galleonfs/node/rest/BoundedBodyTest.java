package io.galleonfs.node.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.volume.GalleonException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {
    private static final int MAX = 64 << 10;

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** A body arriving in small pieces, as the HTTP layer hands it over. */
    private static InputStream trickling(byte[] data) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1000));
            }
        };
    }

    @Test
    void aDeclaredLengthIsReadWhole() throws IOException {
        byte[] data = random(MAX);
        assertArrayEquals(data, BoundedBody.read(trickling(data), data.length, MAX));
        byte[] small = random(4096);
        assertArrayEquals(small, BoundedBody.read(trickling(small), small.length, MAX));
    }

    @Test
    void aBodyWithoutLengthIsReadUpToTheLimit() throws IOException {
        byte[] data = random(MAX);
        assertArrayEquals(data, BoundedBody.read(trickling(data), BoundedBody.UNKNOWN, MAX));
        assertEquals(0, BoundedBody.read(new ByteArrayInputStream(new byte[0]), BoundedBody.UNKNOWN, MAX).length);
        assertEquals(0, BoundedBody.read(null, BoundedBody.UNKNOWN, MAX).length);
    }

    @Test
    void aDeclaredLengthAboveTheLimitIsRefusedBeforeAnyByteIsRead() {
        InputStream untouchable = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the body was read");
            }
        };
        GalleonException e = assertThrows(GalleonException.class, () -> BoundedBody.read(untouchable, MAX + 1L, MAX));
        assertEquals(GalleonException.Kind.PAYLOAD_TOO_LARGE, e.kind());
        assertTrue(e.getMessage().contains("limited to " + MAX), e.getMessage());
    }

    @Test
    void anUndeclaredBodyPastTheLimitIsRefused() {
        GalleonException e = assertThrows(GalleonException.class,
                () -> BoundedBody.read(trickling(random(MAX + 1)), BoundedBody.UNKNOWN, MAX));
        assertEquals(GalleonException.Kind.PAYLOAD_TOO_LARGE, e.kind());
    }

    @Test
    void aBodyShorterThanItsDeclaredLengthIsABadRequest() {
        GalleonException e = assertThrows(GalleonException.class,
                () -> BoundedBody.read(trickling(random(1000)), 4096, MAX));
        assertEquals(GalleonException.Kind.BAD_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("1000 of its 4096"), e.getMessage());
    }
}
