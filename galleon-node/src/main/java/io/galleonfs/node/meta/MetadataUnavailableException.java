package io.galleonfs.node.meta;

import java.io.IOException;

/** Metadata cannot be changed right now (no leader, or this side of a partition has no majority); nothing was applied. */
public final class MetadataUnavailableException extends IOException {
    public MetadataUnavailableException(String message) {
        super(message);
    }
}
