package io.galleonfs.node.rest;

import io.galleonfs.node.volume.GalleonException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body of at most {@code max} bytes. Reading it here, rather than letting the HTTP layer fail a chunked
 * body past its own limit, means an oversized upload gets one 413 problem and no half-written error response.
 *
 * <p>A body whose length the client declared (Content-Length) is read straight into one array of that size: no copy of
 * it is made besides the one out of the HTTP layer's buffers. {@code InputStream.readNBytes(max)} first collects 16 KiB
 * pieces and then copies them into the result, which for the CLI's 4 MiB import requests was a second copy and 4 MiB
 * of garbage per request. A declared length above {@code max} is refused before any byte is read.
 */
final class BoundedBody {
    /** No Content-Length (a chunked body). */
    static final long UNKNOWN = -1;

    private BoundedBody() {
    }

    static byte[] read(InputStream in, long declaredLength, int max) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        if (declaredLength > max) {
            throw tooLarge(max);
        }
        if (declaredLength < 0) {
            byte[] body = in.readNBytes(max);
            if (body.length == max && in.read() >= 0) {
                throw tooLarge(max);
            }
            return body;
        }
        byte[] body = new byte[(int) declaredLength];
        int n = 0;
        // A loop, not readNBytes(byte[], int, int): some streams override that with a single read.
        for (int r; n < body.length && (r = in.read(body, n, body.length - n)) >= 0; ) {
            n += r;
        }
        if (n < body.length) {
            throw GalleonException.badRequest("the request body ended after " + n + " of its " + body.length
                    + " declared bytes");
        }
        return body;
    }

    private static GalleonException tooLarge(int max) {
        return new GalleonException(GalleonException.Kind.PAYLOAD_TOO_LARGE,
                "a single write is limited to " + max + " bytes; split larger data");
    }
}
