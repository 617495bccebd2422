package io.galleonfs.engine;

import java.util.UUID;

/** Stored bytes of a block fail their CRC32C or GCM tag; the bad bytes are never returned. */
public class ChecksumMismatchException extends EngineException {
    private final UUID volume;
    private final long block;

    public ChecksumMismatchException(UUID volume, long block) {
        super("checksum mismatch in volume " + volume + " block " + block);
        this.volume = volume;
        this.block = block;
    }

    public UUID volume() {
        return volume;
    }

    public long block() {
        return block;
    }
}
