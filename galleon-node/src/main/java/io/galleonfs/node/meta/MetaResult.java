package io.galleonfs.node.meta;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** What applying a command did. A rejected command changed nothing. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "result")
@JsonSubTypes({
    @JsonSubTypes.Type(value = MetaResult.Applied.class, name = "applied"),
    @JsonSubTypes.Type(value = MetaResult.Rejected.class, name = "rejected"),
})
public sealed interface MetaResult {

    record Applied(long index) implements MetaResult {
    }

    record Rejected(Reason reason, String detail) implements MetaResult {
    }

    enum Reason { NOT_FOUND, CONFLICT, INVALID }
}
