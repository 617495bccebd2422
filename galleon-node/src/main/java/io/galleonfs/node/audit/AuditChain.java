package io.galleonfs.node.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The hash chain of the audit log: sealing a record, and checking a sequence of lines link by link. */
public final class AuditChain {
    static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private AuditChain() {
    }

    /** The record with its {@code hash}: SHA-256 of its JSON without the hash field. */
    static AuditRecord seal(AuditRecord unsealed) {
        return unsealed.withHash(sha256(json(unsealed.withHash(null))));
    }

    static String json(AuditRecord r) {
        try {
            return JSON.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an audit record cannot be serialised", e);
        }
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The first broken link: its 1-based line number and why. */
    public record Break(long line, String reason) {
    }

    /** Result of a verification: records checked, the head hash (to compare with a copy kept elsewhere), first break. */
    public record Verification(long records, String headHash, Optional<Break> firstBreak) {
        public boolean intact() {
            return firstBreak.isEmpty();
        }
    }

    /** Checks that every line is a record whose hash matches it and whose prev and seq follow the line before. */
    public static Verification verify(List<String> lines) {
        String prev = AuditRecord.GENESIS;
        long seq = 0;
        long n = 0;
        for (String line : lines) {
            n++;
            AuditRecord r;
            try {
                r = JSON.readValue(line, AuditRecord.class);
            } catch (JsonProcessingException e) {
                return new Verification(n - 1, prev, Optional.of(new Break(n, "not an audit record (malformed JSON)")));
            }
            if (r.hash() == null || !r.hash().equals(sha256(json(r.withHash(null))))
                    || !json(r).equals(line)) {
                return new Verification(n - 1, prev, Optional.of(new Break(n, "record " + r.seq() + " was altered: its hash does not match its content")));
            }
            if (!prev.equals(r.prev())) {
                return new Verification(n - 1, prev, Optional.of(new Break(n, "record " + r.seq()
                        + " does not follow the record before it (a record was removed, inserted or reordered)")));
            }
            if (r.seq() != seq + 1) {
                return new Verification(n - 1, prev, Optional.of(new Break(n, "record " + r.seq() + " follows record " + seq)));
            }
            prev = r.hash();
            seq = r.seq();
        }
        return new Verification(n, prev, Optional.empty());
    }
}
