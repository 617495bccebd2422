package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One record of a node's audit log: a mutating or refused API call. {@code prev} is the hash of the record before it
 * and {@code hash} this record's own SHA-256, which is what makes the log tamper-evident.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEntry(long seq, String time, String node, String subject, String role, String action, String resource,
                         int status, String remote, @JsonProperty("dropped_before") Long droppedBefore, String prev, String hash) {
}
