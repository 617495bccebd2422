package io.galleonfs.node.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The policy commands of the metadata state machine: exactly-once claims, determinism, snapshots. */
class PolicyTransitionsTest {
    private static final UUID R1 = UUID.fromString("00000000-0000-0000-0000-000000000001");
    private static final UUID R2 = UUID.fromString("00000000-0000-0000-0000-000000000002");
    private static final UUID R3 = UUID.fromString("00000000-0000-0000-0000-000000000003");

    private static PolicyRecord policy(String concurrency) {
        return new PolicyRecord(UUID.fromString("00000000-0000-0000-0000-0000000000aa"), "nightly", "0 2 * * *", "UTC", "snapshot", null,
                "full", "crash", 0, 7, 4, 3, 0, 0, List.of("db"), Map.of(), concurrency, 300L, false, 1_000, 1_000);
    }

    private static List<MetaCommand> script() {
        return List.of(
                new MetaCommand.CreatePolicy(policy("forbid")),
                new MetaCommand.ClaimPolicySlot("nightly", R1, 10_000, "s1", 10_100, 30_000),
                new MetaCommand.UpdatePolicyRun("nightly", R1, "s1", "running", 20_000, 30_000, null, null),
                new MetaCommand.UpdatePolicyRun("nightly", R1, "s1", "succeeded", 21_000, 0, null,
                        List.of(new PolicyRunRecord.Artifact("db", "nightly-1", false))),
                new MetaCommand.RequestPolicyRun("nightly", R2, 22_000),
                new MetaCommand.AcquirePolicyRun("nightly", R2, "s2", 22_100, 30_000),
                new MetaCommand.RecordMissedRuns("nightly", R3, 30_000, 50_000, 3, 60_000),
                new MetaCommand.MarkArtifactsPruned("nightly", List.of("nightly-1")),
                new MetaCommand.SetPolicySuspended("nightly", true),
                // An edit (dashboard or PUT): another schedule and retention; id, suspended and watermark are the stored ones.
                new MetaCommand.UpdatePolicy(new PolicyRecord(R3, "nightly", "30 4 * * *", "UTC", "snapshot", null, "full", "crash", 0, 9, 4, 3,
                        0, 0, List.of("db"), Map.of(), "forbid", 300L, false, 99_000, 0)));
    }

    @Test
    void commandsSurviveJsonRoundTrip() throws IOException {
        for (MetaCommand c : script()) {
            String json = MetadataState.JSON.writerFor(MetaCommand.class).writeValueAsString(c);
            assertEquals(c, MetadataState.JSON.readValue(json, MetaCommand.class), json);
        }
    }

    @Test
    void sameCommandsGiveByteIdenticalSnapshotsAndRestoreIsEqual() throws IOException {
        MetadataState one = new MetadataState();
        MetadataState two = new MetadataState();
        for (MetaCommand c : script()) {
            assertInstanceOf(MetaResult.Applied.class, one.apply(c), c::toString);
            two.apply(c);
        }
        assertArrayEquals(one.snapshot(), two.snapshot());
        assertArrayEquals(one.snapshot(), MetadataState.restore(one.snapshot()).snapshot());
        PolicyRecord edited = one.policy("nightly").orElseThrow();
        assertEquals(50_000, edited.lastScheduledForMillis());
        assertEquals("30 4 * * *", edited.schedule());
        assertEquals(9, edited.daily());
        assertEquals(true, edited.suspended(), "an edit does not resume a suspended policy");
        assertEquals(policy("forbid").id(), edited.id());
        assertEquals(1_000, edited.createdAtMillis());
        assertEquals(3, one.policyRuns("nightly").size(), "the history stays");
        assertEquals(true, one.policyRuns("nightly").getFirst().artifacts().getFirst().pruned());
    }

    @Test
    void aFiringIsClaimedOnceAndARejectedClaimChangesNothing() {
        MetadataState s = new MetadataState();
        s.apply(new MetaCommand.CreatePolicy(policy("allow")));
        assertInstanceOf(MetaResult.Applied.class, s.apply(new MetaCommand.ClaimPolicySlot("nightly", R1, 10_000, "s1", 10_100, 30_000)));
        byte[] before = s.snapshot();
        for (MetaCommand c : List.of(
                new MetaCommand.ClaimPolicySlot("nightly", R2, 10_000, "s2", 10_200, 30_000),
                new MetaCommand.ClaimPolicySlot("nightly", R2, 9_000, "s2", 10_200, 30_000),
                new MetaCommand.RecordMissedRuns("nightly", R3, 10_000, 20_000, 2, 10_300),
                new MetaCommand.AcquirePolicyRun("nightly", R1, "s2", 10_300, 30_000),
                new MetaCommand.UpdatePolicyRun("nightly", R1, "s2", "succeeded", 10_400, 0, null, null))) {
            MetaResult.Rejected r = assertInstanceOf(MetaResult.Rejected.class, s.apply(c), c::toString);
            assertEquals(MetaResult.Reason.CONFLICT, r.reason(), r.detail());
        }
        assertArrayEquals(before, s.snapshot());
        // Once the holder's lease has expired another scheduler may take the run over.
        assertInstanceOf(MetaResult.Applied.class, s.apply(new MetaCommand.AcquirePolicyRun("nightly", R1, "s2", 50_000, 30_000)));
        assertEquals(2, s.policyRuns("nightly").getFirst().attempt());
    }

    @Test
    void historyIsBoundedButKeepsRunsWithLiveArtifacts() {
        MetadataState s = new MetadataState();
        s.apply(new MetaCommand.CreatePolicy(policy("allow")));
        for (int i = 1; i <= PolicyTransitions.HISTORY_LIMIT + 20; i++) {
            UUID id = new UUID(7, i);
            s.apply(new MetaCommand.ClaimPolicySlot("nightly", id, 10_000L * i, "s1", 10_000L * i, 30_000));
            List<PolicyRunRecord.Artifact> made = i == 1 ? List.of(new PolicyRunRecord.Artifact("db", "first", false)) : List.of();
            s.apply(new MetaCommand.UpdatePolicyRun("nightly", id, "s1", "succeeded", 10_000L * i + 1, 0, null, made));
        }
        List<PolicyRunRecord> runs = s.policyRuns("nightly");
        assertEquals(PolicyTransitions.HISTORY_LIMIT, runs.size());
        assertEquals("first", runs.getFirst().artifacts().getFirst().id());
    }
}
