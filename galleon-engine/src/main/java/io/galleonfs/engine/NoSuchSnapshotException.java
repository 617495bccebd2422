package io.galleonfs.engine;

public class NoSuchSnapshotException extends EngineException {
    public NoSuchSnapshotException(String message) {
        super(message);
    }
}
