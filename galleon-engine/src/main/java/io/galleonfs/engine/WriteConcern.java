package io.galleonfs.engine;

/** When a write returns. Replicated concerns are built on top of {@link #DURABLE} by the node. */
public enum WriteConcern {
    /** Returns once the write is visible to readers of this node; lost on a crash unless flushed. */
    ACKNOWLEDGED,
    /** Returns once the write's journal record is fsynced; survives kill -9 and power loss. */
    DURABLE
}
