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

    /** The first broken link: its 1-based line number in its file and why (the reason names the file). */
    public record Break(long line, String reason) {
    }

    /**
     * Result of a verification: records checked, the head hash (to compare with a copy kept elsewhere), first break, and
     * the first kept sequence number when rotation deleted the records before it (absent when the chain starts at 1).
     */
    public record Verification(long records, String headHash, Optional<Break> firstBreak, Optional<Long> prunedBefore) {
        public Verification(long records, String headHash, Optional<Break> firstBreak) {
            this(records, headHash, firstBreak, Optional.empty());
        }

        public boolean intact() {
            return firstBreak.isEmpty();
        }
    }

    /** Checks that every line is a record whose hash matches it and whose prev and seq follow the line before. */
    public static Verification verify(List<String> lines) {
        Verifier v = new Verifier(null);
        long n = 0;
        for (String line : lines) {
            if (!v.accept("audit.log", ++n, line)) {
                break;
            }
        }
        return v.result();
    }

    /** The last record rotation deleted: the first kept record must link to it. */
    public record Pruned(long seq, String hash) {
    }

    /**
     * Checks lines one at a time, across files, stopping at the first break. The chain starts at the genesis hash, or,
     * when rotation deleted the oldest files, at the record {@code pruned} names; a start anywhere else is a break.
     */
    public static final class Verifier {
        private final Pruned pruned;
        private String prev = AuditRecord.GENESIS;
        private long seq;
        private long records;
        private boolean started;
        private Break broken;
        private Long prunedBefore;

        public Verifier(Pruned pruned) {
            this.pruned = pruned;
        }

        /** False once the chain is broken (further lines are not looked at). */
        public boolean accept(String file, long lineNo, String line) {
            if (broken != null) {
                return false;
            }
            String where = " (" + file + ", line " + lineNo + ")";
            AuditRecord r;
            try {
                r = JSON.readValue(line, AuditRecord.class);
            } catch (JsonProcessingException e) {
                broken = new Break(lineNo, "not an audit record (malformed JSON)" + where);
                return false;
            }
            if (r.hash() == null || !r.hash().equals(sha256(json(r.withHash(null)))) || !json(r).equals(line)) {
                broken = new Break(lineNo, "record " + r.seq() + " was altered: its hash does not match its content" + where);
                return false;
            }
            if (!started && r.seq() != 1 && pruned != null && pruned.seq() == r.seq() - 1 && pruned.hash().equals(r.prev())) {
                // Rotation deleted the files before this one and noted their last record: the chain goes on from it.
                prev = pruned.hash();
                seq = pruned.seq();
                prunedBefore = r.seq();
            } else if (!started && r.seq() != 1) {
                broken = new Break(lineNo, "the log starts at record " + r.seq() + ": the records before it are missing and rotation did"
                        + " not delete them" + where);
                return false;
            }
            started = true;
            if (!prev.equals(r.prev())) {
                broken = new Break(lineNo, "record " + r.seq() + " does not follow the record before it (a record was removed, inserted"
                        + " or reordered)" + where);
                return false;
            }
            if (r.seq() != seq + 1) {
                broken = new Break(lineNo, "record " + r.seq() + " follows record " + seq + where);
                return false;
            }
            prev = r.hash();
            seq = r.seq();
            records++;
            return true;
        }

        public Verification result() {
            return new Verification(records, prev, Optional.ofNullable(broken), Optional.ofNullable(prunedBefore));
        }
    }
}
