package io.galleonfs.engine;

import java.io.IOException;

/** Base of every failure the engine reports on purpose. */
public class EngineException extends IOException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
