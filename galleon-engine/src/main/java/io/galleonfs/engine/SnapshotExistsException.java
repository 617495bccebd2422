package io.galleonfs.engine;

public class SnapshotExistsException extends EngineException {
    public SnapshotExistsException(String message) {
        super(message);
    }
}
