package io.galleonfs.cli;

/** A request never got an HTTP answer (refused, reset, timed out, TLS failed); the cause says which. */
final class ApiTransportException extends RuntimeException {
    ApiTransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
