package io.galleonfs.node.volume;

/** A failure the caller can act on; the REST layer turns it into a problem body with the kind's HTTP status. */
public final class GalleonException extends RuntimeException {

    public enum Kind {
        BAD_REQUEST(400, "Bad Request"),
        NOT_FOUND(404, "Not Found"),
        /** The caller is known but may not do this (e.g. create a volume in a namespace its token does not cover). */
        FORBIDDEN(403, "Forbidden"),
        CONFLICT(409, "Conflict"),
        PAYLOAD_TOO_LARGE(413, "Content Too Large"),
        UNPROCESSABLE(422, "Unprocessable Content"),
        UNAVAILABLE(503, "Service Unavailable"),
        /** Stored data failed its checksum: the read is refused rather than returning wrong bytes. */
        DATA_INTEGRITY(500, "Data Integrity Error"),
        STORAGE(500, "Storage Error"),
        /** The node's storage is full (or down to its reserve): retry after space is freed. */
        INSUFFICIENT_STORAGE(507, "Insufficient Storage");

        public final int status;
        public final String title;

        Kind(int status, String title) {
            this.status = status;
            this.title = title;
        }
    }

    private final Kind kind;

    public GalleonException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static GalleonException badRequest(String message) {
        return new GalleonException(Kind.BAD_REQUEST, message);
    }

    public static GalleonException notFound(String message) {
        return new GalleonException(Kind.NOT_FOUND, message);
    }

    public static GalleonException forbidden(String message) {
        return new GalleonException(Kind.FORBIDDEN, message);
    }

    public static GalleonException conflict(String message) {
        return new GalleonException(Kind.CONFLICT, message);
    }
}
