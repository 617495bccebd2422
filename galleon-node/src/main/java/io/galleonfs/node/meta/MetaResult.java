package io.galleonfs.node.meta;

/** What applying a command did. A rejected command changed nothing. */
public sealed interface MetaResult {

    record Applied(long index) implements MetaResult {
    }

    record Rejected(Reason reason, String detail) implements MetaResult {
    }

    enum Reason { NOT_FOUND, CONFLICT, INVALID }
}
