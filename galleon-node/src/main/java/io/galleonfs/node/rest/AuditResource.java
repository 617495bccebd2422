package io.galleonfs.node.rest;

import io.galleonfs.api.AuditEntry;
import io.galleonfs.api.AuditVerification;
import io.galleonfs.node.audit.AuditChain;
import io.galleonfs.node.audit.AuditRecord;
import io.galleonfs.node.audit.AuditTrail;
import io.galleonfs.node.volume.GalleonException;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code /api/v1/audit}: this node's audit log (admin only, see AccessRule). Reading it runs on a worker thread. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
public class AuditResource {
    static final int MAX_LIMIT = 10_000;
    private static final Pattern AGO = Pattern.compile("(\\d{1,7})([smhd])");

    @Inject
    AuditTrail audit;

    /** Records at or after {@code since} (an instant such as 2026-12-03T10:00:00Z, or an age such as 30m, 2h, 7d), oldest first. */
    @GET
    public List<AuditEntry> list(@QueryParam("since") String since, @QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw GalleonException.badRequest("limit must be between 1 and " + MAX_LIMIT);
        }
        try {
            return audit.log().read(parseSince(since, Instant.now()), limit).stream().map(AuditResource::entry).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("the audit log cannot be read", e);
        }
    }

    private static AuditEntry entry(AuditRecord r) {
        return new AuditEntry(r.seq(), r.time(), r.node(), r.subject(), r.role(), r.action(), r.resource(), r.status(), r.remote(),
                r.droppedBefore(), r.prev(), r.hash());
    }

    /** Verification of the whole chain: intact or not, how many records are good, the head hash, the first break. */
    @GET
    @Path("/verify")
    public AuditVerification verify() {
        try {
            AuditChain.Verification v = audit.log().verify();
            return new AuditVerification(v.intact(), v.records(), v.headHash(), v.firstBreak().map(AuditChain.Break::line).orElse(null),
                    v.firstBreak().map(AuditChain.Break::reason).orElse(null), v.prunedBefore().orElse(null));
        } catch (IOException e) {
            throw new UncheckedIOException("the audit log cannot be read", e);
        }
    }

    static Instant parseSince(String since, Instant now) {
        if (since == null || since.isBlank()) {
            return null;
        }
        Matcher m = AGO.matcher(since.strip());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.minus(d);
        }
        try {
            return Instant.parse(since.strip());
        } catch (DateTimeParseException e) {
            throw GalleonException.badRequest("since '" + since + "' is invalid: use an instant such as 2026-01-31T12:00:00Z or an age such as 30m, 2h, 7d");
        }
    }
}
