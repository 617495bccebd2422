package io.galleonfs.engine;

/** An I/O range reaches outside the volume. */
public class OutOfRangeException extends EngineException {
    public OutOfRangeException(String message) {
        super(message);
    }
}
