package io.galleonfs.node.rest;

import io.galleonfs.node.volume.GalleonException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body of at most {@code max} bytes. Reading it here, rather than letting the HTTP layer fail a chunked
 * body past its own limit, means an oversized upload gets one 413 problem and no half-written error response.
 */
final class BoundedBody {
    private BoundedBody() {
    }

    static byte[] read(InputStream in, int max) throws IOException {
        byte[] body = in == null ? new byte[0] : in.readNBytes(max);
        if (body.length == max && in.read() >= 0) {
            throw new GalleonException(GalleonException.Kind.PAYLOAD_TOO_LARGE,
                    "a single write is limited to " + max + " bytes; split larger data");
        }
        return body;
    }
}
