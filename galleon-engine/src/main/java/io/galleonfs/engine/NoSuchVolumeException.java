package io.galleonfs.engine;

public class NoSuchVolumeException extends EngineException {
    public NoSuchVolumeException(String message) {
        super(message);
    }
}
