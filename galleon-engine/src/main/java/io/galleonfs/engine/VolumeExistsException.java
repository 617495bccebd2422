package io.galleonfs.engine;

public class VolumeExistsException extends EngineException {
    public VolumeExistsException(String message) {
        super(message);
    }
}
