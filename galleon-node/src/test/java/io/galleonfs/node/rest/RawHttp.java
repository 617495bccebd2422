package io.galleonfs.node.rest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client over a plain socket: the request line goes out exactly as given (client libraries resolve
 * dot segments and re-encode paths, which is what the tests that use this must avoid), one request per connection.
 */
final class RawHttp {
    private RawHttp() {
    }

    record Reply(int status, String contentType, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The first {@code max} bytes as text: a large data read (hundreds of MiB) does not fit a Java string. */
        String head(int max) {
            return new String(body, 0, Math.min(body.length, max), StandardCharsets.UTF_8);
        }
    }

    static Reply send(int port, String method, String target, String contentType, byte[] body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder().append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1\r\nConnection: close\r\n")
                    .append("Authorization: ").append(TestTokens.bearerAdmin()).append("\r\n");
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                try {
                    out.write(body);
                } catch (IOException e) {
                    // the server may answer (413) and close before reading a large body: read what it said
                }
            }
            out.flush();
            return parse(s.getInputStream());
        }
    }

    /** Bytes of a reply kept; the rest is read and dropped (a fuzzed read of a whole large volume is hundreds of MiB). */
    static final int KEPT = 16 << 20;

    private static Reply parse(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, Math.max(0, Math.min(len, KEPT - count)));
            }

            @Override
            public synchronized void write(int b) {
                if (count < KEPT) {
                    super.write(b);
                }
            }
        };
        try {
            in.transferTo(all);
        } catch (IOException e) {
            if (all.size() == 0) {
                throw e;
            }
        }
        byte[] raw = all.toByteArray();
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || end < 0) {
            throw new IOException("not an HTTP response: " + text.substring(0, Math.min(200, text.length())));
        }
        int status = Integer.parseInt(text.substring(9, 12));
        String contentType = null;
        boolean chunked = false;
        for (String line : text.substring(0, end).split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-type:")) {
                contentType = line.substring(13).trim();
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        return new Reply(status, contentType, chunked ? dechunk(body) : body);
    }

    private static byte[] dechunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < body.length) {
            int lineEnd = i;
            while (lineEnd + 1 < body.length && !(body[lineEnd] == '\r' && body[lineEnd + 1] == '\n')) {
                lineEnd++;
            }
            String sizeText = new String(body, i, lineEnd - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int size = sizeText.isEmpty() ? 0 : Integer.parseInt(sizeText, 16);
            if (size == 0) {
                break;
            }
            out.write(body, lineEnd + 2, Math.min(size, body.length - lineEnd - 2));
            i = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }
}
