package io.galleonfs.node.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.galleonfs.api.PolicyInfo;
import io.galleonfs.node.meta.MetadataState;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PolicyListingTest {
    private static PolicyInfo info(String name, String nextRun) {
        return new PolicyInfo(name, null, "active", null, null, nextRun, null, List.of());
    }

    @Test
    void aListIsRenderedAgainOnlyAfterItsEarliestNextRunOrAChange() {
        PolicyListing listing = new PolicyListing();
        MetadataState state = new MetadataState();
        AtomicInteger renders = new AtomicInteger();
        Instant t0 = Instant.parse("2030-01-01T00:00:00Z");
        List<PolicyInfo> rendered = List.of(info("a", "2030-01-01T02:00:00Z"), info("b", "2030-01-01T01:00:00Z"), info("c", null));
        PolicyListing.Listing first = listing.current(state, t0, s -> {
            renders.incrementAndGet();
            return rendered;
        });
        assertEquals(Instant.parse("2030-01-01T01:00:00Z"), first.until());
        PolicyListing.Listing again = listing.current(state, t0.plusSeconds(3599), s -> {
            renders.incrementAndGet();
            return rendered;
        });
        assertSame(first, again);
        assertEquals(1, renders.get());
        PolicyListing.Listing later = listing.current(state, t0.plusSeconds(3600), s -> {
            renders.incrementAndGet();
            return List.of(info("a", "2030-01-01T02:00:00Z"));
        });
        assertEquals(2, renders.get(), "the earliest next run passed: rendered again");
        assertNotEquals(first.etag(), later.etag());
    }
}
