package io.galleonfs.cli;

import java.nio.charset.StandardCharsets;

/** The daemon answered a request with an HTTP error; {@code body} is its problem+json document (or whatever it sent). */
final class ApiException extends RuntimeException {
    private final int status;
    private final byte[] body;

    ApiException(int status, byte[] body) {
        super("HTTP " + status);
        this.status = status;
        this.body = body;
    }

    int status() {
        return status;
    }

    byte[] body() {
        return body.clone();
    }

    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
