package io.galleonfs.node.policy;

import io.galleonfs.api.PolicyInfo;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.PolicyRecord;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * The policy list as served, kept until the policies or their runs change or the earliest "next run" in it passes
 * (the only part computed from the clock), with an entity tag naming that content. Schedulers re-read the list every
 * few seconds; with 1,000 idle policies rendering it cost the node more than everything else it did while idle, and
 * with the tag an unchanged list is answered 304 without being rendered or sent.
 */
public final class PolicyListing {
    /** One rendering: valid while the state's fingerprint is {@code fingerprint} and the clock is before {@code until}. */
    public record Listing(long fingerprint, Instant until, List<PolicyInfo> policies, String etag) {
    }

    private volatile Listing last;

    /** The list for {@code state} at {@code now}, rendered by {@code render} only when the kept one is stale. */
    public Listing current(MetadataState state, Instant now, Function<MetadataState, List<PolicyInfo>> render) {
        long fingerprint = fingerprint(state);
        Listing l = last;
        if (l != null && l.fingerprint() == fingerprint && now.isBefore(l.until())) {
            return l;
        }
        List<PolicyInfo> policies = render.apply(state);
        Instant until = policies.stream().map(PolicyInfo::nextRun).filter(n -> n != null).map(Instant::parse).min(Instant::compareTo)
                .orElse(Instant.MAX);
        l = new Listing(fingerprint, until, policies, "\"" + Long.toHexString(fingerprint) + "-" + Long.toHexString(until.getEpochSecond()) + "\"");
        last = l;
        return l;
    }

    /** Two independent 32-bit hashes of every policy record and its runs, so a stale list needs a 64-bit collision. */
    static long fingerprint(MetadataState state) {
        int a = 17;
        int b = 0x2545F491;
        for (PolicyRecord p : state.policies()) {
            int h = p.hashCode();
            int r = state.policyRuns(p.name()).hashCode();
            a = 31 * a + h;
            a = 31 * a + r;
            b = b * 1_000_003 ^ (h * 0x9E3779B9 + r);
        }
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }
}
