package io.galleonfs.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Result of checking a node's audit chain. {@code records} were intact up to {@code broken_line} (absent when the
 * whole log is intact); {@code head_hash} is the hash of the last good record, to compare with a copy kept elsewhere
 * (the chain cannot show that records were cut off the end). {@code pruned_before} is set when rotation deleted the
 * oldest files: the chain was checked from that record on ({@code [security] audit_keep_files}).
 */
public record AuditVerification(boolean intact, long records, @JsonProperty("head_hash") String headHash,
                                @JsonProperty("broken_line") Long brokenLine, String reason,
                                @JsonProperty("pruned_before") Long prunedBefore) {
}
