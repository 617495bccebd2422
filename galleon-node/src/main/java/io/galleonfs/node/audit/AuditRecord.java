package io.galleonfs.node.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One audited API call, as one JSON line of {@code audit.log}. {@code prev} is the {@code hash} of the record before it
 * (64 zeros for the first); {@code hash} is the SHA-256 of this record's JSON without the {@code hash} field, so an
 * edited record no longer matches its own hash and a removed one breaks the next record's {@code prev}.
 *
 * @param subject       the token's name ("-" when the caller presented none that is valid); never a secret
 * @param action        method and route template, e.g. {@code POST /api/v1/volumes/{ref}/snapshots}
 * @param resource      the concrete path that was called
 * @param droppedBefore records lost just before this one because the writer could not keep up (normally absent)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"seq", "time", "node", "subject", "role", "action", "resource", "status", "remote", "dropped_before", "prev", "hash"})
public record AuditRecord(
        long seq,
        String time,
        String node,
        String subject,
        String role,
        String action,
        String resource,
        int status,
        String remote,
        @JsonProperty("dropped_before") Long droppedBefore,
        String prev,
        String hash) {

    public static final String GENESIS = "0".repeat(64);

    /** What a caller reports; the log adds seq, prev and hash. */
    public record Event(String time, String node, String subject, String role, String action, String resource, int status,
                        String remote) {
    }

    static AuditRecord unsealed(long seq, Event e, Long droppedBefore, String prev) {
        return new AuditRecord(seq, e.time(), e.node(), e.subject(), e.role(), e.action(), e.resource(), e.status(), e.remote(),
                droppedBefore, prev, null);
    }

    AuditRecord withHash(String h) {
        return new AuditRecord(seq, time, node, subject, role, action, resource, status, remote, droppedBefore, prev, h);
    }
}
