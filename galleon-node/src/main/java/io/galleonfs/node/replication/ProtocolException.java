package io.galleonfs.node.replication;

/** A frame that breaks the data-plane format; the connection that sent it is closed. */
public final class ProtocolException extends Exception {
    public ProtocolException(String message) {
        super(message);
    }
}
