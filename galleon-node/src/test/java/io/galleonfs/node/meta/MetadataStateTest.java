package io.galleonfs.node.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.AccessMode;
import io.galleonfs.api.VolumeType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetadataStateTest {

    static final UUID ID_A = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    static final UUID ID_B = UUID.fromString("00000000-0000-4000-8000-00000000000b");
    static final UUID ID_C = UUID.fromString("00000000-0000-4000-8000-00000000000c");

    private MetadataState state;

    static VolumeRecord volume(UUID id, String name, String storageClass, long size) {
        return new VolumeRecord(id, name, VolumeType.PERSISTENT, size, 4096, storageClass, 1, AccessMode.READ_WRITE_ONCE,
                false, 1_700_000_000_000L, "node-1", List.of());
    }

    static StorageClassRecord storageClass(String name) {
        return new StorageClassRecord(name, "galleonfs.io/local", Map.of("disk_type", "ssd", "fs_type", "xfs"),
                StorageClassRecord.ReclaimPolicy.Delete, StorageClassRecord.VolumeBindingMode.Immediate,
                List.of("zone-a"), List.of("noatime"), false);
    }

    static List<MetaCommand> builtIns() {
        return BuiltInStorageClasses.all().stream().<MetaCommand>map(MetaCommand.CreateStorageClass::new).toList();
    }

    private static long applied(MetaResult r) {
        return assertInstanceOf(MetaResult.Applied.class, r, () -> "expected Applied, got " + r).index();
    }

    /** Applies a command that must be rejected, and checks that it changed nothing at all. */
    private MetaResult.Rejected rejected(MetaCommand command, MetaResult.Reason reason) {
        byte[] before = state.snapshot();
        long index = state.lastApplied();
        MetaResult r = state.apply(command);
        MetaResult.Rejected rej = assertInstanceOf(MetaResult.Rejected.class, r, () -> "expected Rejected, got " + r);
        assertEquals(reason, rej.reason(), rej.detail());
        assertTrue(rej.detail() != null && !rej.detail().isBlank());
        assertEquals(index, state.lastApplied(), "a rejected command must not advance the index");
        assertArrayEquals(before, state.snapshot(), "a rejected command must not change the state");
        return rej;
    }

    @BeforeEach
    void setUp() {
        state = new MetadataState();
        builtIns().forEach(state::apply);
    }

    @Test
    void nameLookupsFollowCreatesDeletesAndNamespacesAcrossCopies() {
        VolumeRecord a = volume(ID_A, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096);
        VolumeRecord b = volume(ID_B, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096).inNamespace("team-b");
        applied(state.apply(new MetaCommand.CreateVolume(b)));
        assertEquals(List.of(b), state.volumesNamed("data"), "looked up before the second one exists (builds the index)");
        assertTrue(state.volumeByName("default", "data").isEmpty());
        applied(state.apply(new MetaCommand.CreateVolume(a)));
        assertEquals(List.of(a, b), state.volumesNamed("data"), "by namespace, the new one included");
        MetadataState published = state.copy();
        assertEquals(a, published.volumeByName("default", "data").orElseThrow());
        applied(state.apply(new MetaCommand.DeleteVolume(ID_A)));
        assertTrue(state.volumeByName("default", "data").isEmpty(), "a deleted volume is gone from the lookups");
        assertEquals(List.of(b), state.volumesNamed("data"));
        assertEquals(a, published.volumeByName("default", "data").orElseThrow(), "an earlier state keeps its own answer");
        MetaResult.Rejected again = rejected(new MetaCommand.CreateVolume(volume(ID_C, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096)
                .inNamespace("team-b")), MetaResult.Reason.CONFLICT);
        assertTrue(again.detail().contains("team-b"), again.detail());
        applied(state.apply(new MetaCommand.CreateVolume(volume(ID_C, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096))));
        assertEquals(ID_C, state.volumeByName("default", "data").orElseThrow().id(), "the name is free again in default");
    }

    /**
     * A copy takes over the original's name index and keeps it up to date itself (no rebuild per applied command); the
     * original, which readers still hold, must not see the copy's creates and deletes, and the copy must answer like a
     * state restored from its own snapshot (whose index is built from scratch).
     */
    @Test
    void aCopyKeepsItsOwnNameIndexWithoutChangingTheOriginals() throws IOException {
        VolumeRecord a = volume(ID_A, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096);
        VolumeRecord b = volume(ID_B, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096).inNamespace("team-b");
        applied(state.apply(new MetaCommand.CreateVolume(a)));
        applied(state.apply(new MetaCommand.CreateVolume(b)));
        assertEquals(List.of(a, b), state.volumesNamed("data"), "builds the original's index");
        MetadataState copy = state.copy();
        applied(copy.apply(new MetaCommand.DeleteVolume(ID_A)));
        VolumeRecord c = volume(ID_C, "other", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096);
        applied(copy.apply(new MetaCommand.CreateVolume(c)));
        assertEquals(List.of(a, b), state.volumesNamed("data"), "the original keeps both");
        assertTrue(state.volumesNamed("other").isEmpty(), "the original does not see the copy's create");
        assertEquals(List.of(b), copy.volumesNamed("data"));
        assertEquals(List.of(c), copy.volumesNamed("other"));
        MetadataState restored = MetadataState.restore(copy.snapshot());
        for (String name : List.of("data", "other", "none")) {
            assertEquals(restored.volumesNamed(name), copy.volumesNamed(name), name);
        }
        MetadataState copyOfCopy = copy.copy();
        applied(copyOfCopy.apply(new MetaCommand.CreateVolume(volume(ID_A, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096))));
        assertEquals(List.of(b), copy.volumesNamed("data"), "a shared list is replaced, never changed in place");
        assertEquals(2, copyOfCopy.volumesNamed("data").size());
    }

    @Test
    void aCopyTellsWhichVolumesItsCommandsChanged() throws IOException {
        VolumeRecord a = volume(ID_A, "a", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096);
        VolumeRecord b = volume(ID_B, "b", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096);
        applied(state.apply(new MetaCommand.CreateVolume(a)));
        applied(state.apply(new MetaCommand.CreateVolume(b)));
        MetadataState next = state.copy();
        assertEquals(Optional.of(java.util.Set.of()), next.volumesChangedSince(state), "nothing applied yet");
        applied(next.apply(new MetaCommand.ResizeVolume(ID_A, 8192)));
        applied(next.apply(new MetaCommand.CreateVolume(volume(ID_C, "c", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096))));
        applied(next.apply(new MetaCommand.CreateStorageClass(storageClass("other"))));
        assertEquals(Optional.of(java.util.Set.of(ID_A, ID_C)), next.volumesChangedSince(state));
        MetadataState after = next.copy();
        applied(after.apply(new MetaCommand.DeleteVolume(ID_B)));
        assertEquals(Optional.of(java.util.Set.of(ID_B)), after.volumesChangedSince(next));
        assertTrue(after.volumesChangedSince(state).isEmpty(), "not copied from that one: unknown");
        assertTrue(MetadataState.restore(after.snapshot()).volumesChangedSince(after).isEmpty(), "a restored state: unknown");
        assertEquals(Optional.of(java.util.Set.of(ID_A, ID_C)), next.volumesChangedSince(state), "a copy's changes stay its own");
    }

    @Test
    void freshStateIsEmpty() {
        MetadataState s = new MetadataState();
        assertEquals(0, s.lastApplied());
        assertTrue(s.volumes().isEmpty());
        assertTrue(s.storageClasses().isEmpty());
    }

    @Test
    void eachAppliedCommandAdvancesTheIndexByOne() {
        assertEquals(2, state.lastApplied());
        assertEquals(3, applied(state.apply(new MetaCommand.CreateStorageClass(storageClass("custom")))));
        assertEquals(4, applied(state.apply(new MetaCommand.CreateVolume(volume(ID_A, "a", "custom", 1 << 20)))));
        assertEquals(5, applied(state.apply(new MetaCommand.ResizeVolume(ID_A, 2 << 20))));
        assertEquals(6, applied(state.apply(new MetaCommand.DeleteVolume(ID_A))));
        assertEquals(7, applied(state.apply(new MetaCommand.DeleteStorageClass("custom"))));
        assertEquals(7, state.lastApplied());
    }

    @Test
    void createVolumeIsVisibleByIdAndName() {
        VolumeRecord v = volume(ID_A, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 1 << 30);
        applied(state.apply(new MetaCommand.CreateVolume(v)));
        assertEquals(v, state.volume(ID_A).orElseThrow());
        assertEquals(v, state.volumeByName("default", "data").orElseThrow());
        assertTrue(state.volumeByName("default", "other").isEmpty());
        assertTrue(state.volume(ID_B).isEmpty());
        assertEquals(List.of(v), List.copyOf(state.volumes()));
    }

    @Test
    void duplicateVolumeNameIsRejected() {
        applied(state.apply(new MetaCommand.CreateVolume(volume(ID_A, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096))));
        MetaResult.Rejected r = rejected(new MetaCommand.CreateVolume(volume(ID_B, "data", BuiltInStorageClasses.ENCRYPTED_STORAGE, 8192)),
                MetaResult.Reason.CONFLICT);
        assertTrue(r.detail().contains("'data' already exists"), r.detail());
        assertTrue(state.volume(ID_B).isEmpty());
    }

    @Test
    void duplicateVolumeIdIsRejected() {
        applied(state.apply(new MetaCommand.CreateVolume(volume(ID_A, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096))));
        MetaResult.Rejected r = rejected(new MetaCommand.CreateVolume(volume(ID_A, "other", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096)),
                MetaResult.Reason.CONFLICT);
        assertTrue(r.detail().contains(ID_A.toString()), r.detail());
        assertTrue(state.volumeByName("default", "other").isEmpty());
    }

    @Test
    void volumeOfUnknownClassIsRejected() {
        MetaResult.Rejected r = rejected(new MetaCommand.CreateVolume(volume(ID_A, "data", "no-such-class", 4096)),
                MetaResult.Reason.NOT_FOUND);
        assertTrue(r.detail().contains("no-such-class"), r.detail());
    }

    @Test
    void duplicateStorageClassIsRejected() {
        applied(state.apply(new MetaCommand.CreateStorageClass(storageClass("custom"))));
        rejected(new MetaCommand.CreateStorageClass(storageClass("custom")), MetaResult.Reason.CONFLICT);
        rejected(new MetaCommand.CreateStorageClass(storageClass(BuiltInStorageClasses.FAST_LOCAL_SSD)), MetaResult.Reason.CONFLICT);
        assertTrue(state.storageClass(BuiltInStorageClasses.FAST_LOCAL_SSD).orElseThrow().builtIn(),
                "a rejected create must not replace the built-in class");
    }

    @Test
    void storageClassInUseCannotBeDeleted() {
        applied(state.apply(new MetaCommand.CreateStorageClass(storageClass("custom"))));
        applied(state.apply(new MetaCommand.CreateVolume(volume(ID_A, "first", "custom", 4096))));
        applied(state.apply(new MetaCommand.CreateVolume(volume(ID_B, "second", "custom", 4096))));
        MetaResult.Rejected r = rejected(new MetaCommand.DeleteStorageClass("custom"), MetaResult.Reason.CONFLICT);
        assertTrue(r.detail().contains("first") && r.detail().contains("second"), r.detail());

        applied(state.apply(new MetaCommand.DeleteVolume(ID_A)));
        rejected(new MetaCommand.DeleteStorageClass("custom"), MetaResult.Reason.CONFLICT);
        applied(state.apply(new MetaCommand.DeleteVolume(ID_B)));
        applied(state.apply(new MetaCommand.DeleteStorageClass("custom")));
        assertTrue(state.storageClass("custom").isEmpty());
    }

    @Test
    void builtInStorageClassCannotBeDeleted() {
        for (StorageClassRecord builtIn : BuiltInStorageClasses.all()) {
            MetaResult.Rejected r = rejected(new MetaCommand.DeleteStorageClass(builtIn.name()), MetaResult.Reason.CONFLICT);
            assertTrue(r.detail().contains("built in"), r.detail());
        }
        assertEquals(2, state.storageClasses().size());
    }

    @Test
    void deletingWhatDoesNotExistIsNotFound() {
        rejected(new MetaCommand.DeleteVolume(ID_C), MetaResult.Reason.NOT_FOUND);
        rejected(new MetaCommand.DeleteStorageClass("no-such-class"), MetaResult.Reason.NOT_FOUND);
        rejected(new MetaCommand.ResizeVolume(ID_C, 1 << 20), MetaResult.Reason.NOT_FOUND);
    }

    @Test
    void resizeOnlyGrows() {
        applied(state.apply(new MetaCommand.CreateVolume(volume(ID_A, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 1 << 20))));
        MetaResult.Rejected r = rejected(new MetaCommand.ResizeVolume(ID_A, (1 << 20) - 4096), MetaResult.Reason.INVALID);
        assertTrue(r.detail().contains("can only grow"), r.detail());
        assertEquals(1 << 20, state.volume(ID_A).orElseThrow().sizeBytes());

        applied(state.apply(new MetaCommand.ResizeVolume(ID_A, 2 << 20)));
        VolumeRecord grown = state.volume(ID_A).orElseThrow();
        assertEquals(2 << 20, grown.sizeBytes());
        assertEquals(volume(ID_A, "data", BuiltInStorageClasses.FAST_LOCAL_SSD, 2 << 20), grown, "only the size changes");
        rejected(new MetaCommand.ResizeVolume(ID_A, 1 << 20), MetaResult.Reason.INVALID);
    }

    @Test
    void snapshotRestoreYieldsAnEqualState() throws IOException {
        applied(state.apply(new MetaCommand.CreateStorageClass(storageClass("custom"))));
        applied(state.apply(new MetaCommand.CreateVolume(volume(ID_B, "bravo", "custom", 8192))));
        applied(state.apply(new MetaCommand.CreateVolume(volume(ID_A, "alpha", BuiltInStorageClasses.ENCRYPTED_STORAGE, 4096)
                .withMounts(List.of(new MountRecord("m1", "/mnt/alpha", List.of("ro"), "node-1"))))));
        applied(state.apply(new MetaCommand.ResizeVolume(ID_B, 16384)));

        MetadataState copy = MetadataState.restore(state.snapshot());
        assertEquals(state.lastApplied(), copy.lastApplied());
        assertEquals(List.copyOf(state.volumes()), List.copyOf(copy.volumes()), "volumes and their order");
        assertEquals(List.copyOf(state.storageClasses()), List.copyOf(copy.storageClasses()));
        assertArrayEquals(state.snapshot(), copy.snapshot());

        // the copy goes on exactly like the original
        MetaCommand next = new MetaCommand.CreateVolume(volume(ID_C, "charlie", "custom", 4096));
        assertEquals(state.apply(next), copy.apply(next));
        assertArrayEquals(state.snapshot(), copy.snapshot());
    }

    /** Images are compact JSON now; a snapshot an earlier version wrote (indented) still restores to the same state. */
    @Test
    void anIndentedImageOfAnEarlierVersionRestoresToTheSameState() throws IOException {
        applied(state.apply(new MetaCommand.CreateStorageClass(storageClass("custom"))));
        applied(state.apply(new MetaCommand.CreateVolume(volume(ID_B, "bravo", "custom", 8192))));
        byte[] compact = state.snapshot();
        assertTrue(new String(compact, java.nio.charset.StandardCharsets.UTF_8).indexOf('\n') < 0, "no indentation in an image");

        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        byte[] indented = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(json.readTree(compact));
        assertTrue(indented.length > compact.length);
        assertArrayEquals(compact, MetadataState.restore(indented).snapshot());
    }

    /**
     * The Raft apply path changes a {@link MetadataState#copy()} while readers keep the original: the copy must equal
     * what a snapshot/restore round trip gives (every kind of entry), and changing it must leave the original alone.
     */
    @Test
    void copyEqualsARestoredSnapshotAndIsIndependent() throws IOException {
        applied(state.apply(new MetaCommand.CreateStorageClass(storageClass("custom"))));
        applied(state.apply(new MetaCommand.CreateLabelledVolume(volume(ID_A, "alpha", "custom", 4096), Map.of("app", "db"))));
        applied(state.apply(new MetaCommand.CreateVolume(volume(ID_B, "bravo", "custom", 8192))));
        applied(state.apply(new MetaCommand.SetVolumeQos(ID_B, new io.galleonfs.api.QosPolicy("inline",
                new io.galleonfs.api.QosPolicy.Limits(500L, null, null), null, null))));
        applied(state.apply(new MetaCommand.PutQosPolicy(new io.galleonfs.api.QosPolicy("gold",
                new io.galleonfs.api.QosPolicy.Limits(1000L, null, null), null, null), true)));
        applied(state.apply(new MetaCommand.SetVolumeQosPolicy(ID_A, "gold")));
        applied(state.apply(new MetaCommand.CreateToken(new io.galleonfs.node.auth.TokenRecord("t1", "ci",
                io.galleonfs.node.auth.Role.OPERATOR, "ab", 1, 0, List.of("team-a")))));
        applied(state.apply(new MetaCommand.CreateBackupTarget(new BackupTargetRecord("t", "file:///tmp/t", null, null, false,
                null, null, "a2V5", "repo", 1))));
        applied(state.apply(new MetaCommand.PutJob(new JobRecord("j", "backup", "running", "n", "i", "t", null, "alpha", 5, 10,
                1, "reading", null, null, 1, 2, 0, false))));

        MetadataState copy = state.copy();
        assertArrayEquals(MetadataState.restore(state.snapshot()).snapshot(), copy.snapshot());
        assertEquals(Map.of("app", "db"), copy.volumeLabels(ID_A));
        assertEquals("gold", copy.volumeQosPolicy(ID_A).orElseThrow());

        byte[] before = state.snapshot();
        applied(copy.apply(new MetaCommand.SetVolumeLabels(ID_A, Map.of("app", "web"))));
        applied(copy.apply(new MetaCommand.DeleteVolume(ID_B)));
        applied(copy.apply(new MetaCommand.RevokeToken("ci")));
        applied(copy.apply(new MetaCommand.PutJob(new JobRecord("j", "backup", "succeeded", "n", "i", "t", null, "alpha", 10, 10,
                1, "done", null, null, 1, 2, 0, false))));
        assertArrayEquals(before, state.snapshot(), "changing the copy must not change the original");
        assertEquals(Map.of("app", "db"), state.volumeLabels(ID_A));
    }

    /**
     * The per-volume maps (labels, QoS) are shared between copies, not rebuilt per copy: a deleted volume's entries go
     * with it, later copies see none of them, and the copies that readers still hold keep theirs.
     */
    @Test
    void aDeletedVolumesLabelsAndQosGoWithItAcrossSharedCopies() throws IOException {
        applied(state.apply(new MetaCommand.CreateStorageClass(storageClass("custom"))));
        applied(state.apply(new MetaCommand.PutQosPolicy(new io.galleonfs.api.QosPolicy("gold",
                new io.galleonfs.api.QosPolicy.Limits(1000L, null, null), null, null), true)));
        applied(state.apply(new MetaCommand.CreateLabelledVolume(volume(ID_A, "alpha", "custom", 4096), Map.of("app", "db"))));
        applied(state.apply(new MetaCommand.SetVolumeQosPolicy(ID_A, "gold")));
        applied(state.apply(new MetaCommand.CreateLabelledVolume(volume(ID_B, "bravo", "custom", 4096), Map.of("app", "web"))));
        applied(state.apply(new MetaCommand.SetVolumeQos(ID_B, new io.galleonfs.api.QosPolicy("inline",
                new io.galleonfs.api.QosPolicy.Limits(500L, null, null), null, null))));
        MetadataState held = state.copy();
        MetadataState next = held.copy();
        applied(next.apply(new MetaCommand.DeleteVolume(ID_A)));
        applied(next.apply(new MetaCommand.DeleteVolume(ID_B)));
        MetadataState after = next.copy();

        assertEquals(List.of(), after.volumesUsingQosPolicy("gold"));
        assertEquals(Map.of(), after.volumeLabels(ID_A));
        assertTrue(after.volumeQos(ID_B).isEmpty());
        assertArrayEquals(MetadataState.restore(after.snapshot()).snapshot(), after.snapshot());
        assertEquals(List.of("alpha"), held.volumesUsingQosPolicy("gold"), "a held copy keeps its entries");
        assertEquals(Map.of("app", "web"), held.volumeLabels(ID_B));
        assertEquals(500L, held.volumeQos(ID_B).orElseThrow().limits().iops());
    }

    @Test
    void restoreOfAnEmptyImageIsAnEmptyState() throws IOException {
        MetadataState empty = MetadataState.restore("{}".getBytes());
        assertEquals(0, empty.lastApplied());
        assertTrue(empty.volumes().isEmpty());
        assertTrue(empty.storageClasses().isEmpty());
        assertArrayEquals(new MetadataState().snapshot(), empty.snapshot());
    }

    @Test
    void sameCommandsGiveByteIdenticalSnapshots() {
        List<MetaCommand> commands = new ArrayList<>(builtIns());
        // the same parameters, built in different insertion orders
        Map<String, String> forward = new LinkedHashMap<>();
        forward.put("a", "1");
        forward.put("m", "2");
        forward.put("z", "3");
        Map<String, String> backward = new LinkedHashMap<>();
        backward.put("z", "3");
        backward.put("m", "2");
        backward.put("a", "1");
        List<MetaCommand> first = new ArrayList<>(commands);
        List<MetaCommand> second = new ArrayList<>(commands);
        first.add(new MetaCommand.CreateStorageClass(new StorageClassRecord("params", "p", forward,
                StorageClassRecord.ReclaimPolicy.Retain, StorageClassRecord.VolumeBindingMode.Immediate, null, null, false)));
        second.add(new MetaCommand.CreateStorageClass(new StorageClassRecord("params", "p", backward,
                StorageClassRecord.ReclaimPolicy.Retain, StorageClassRecord.VolumeBindingMode.Immediate, null, null, false)));
        List<MetaCommand> rest = List.of(
                new MetaCommand.CreateStorageClass(storageClass("zeta")),
                new MetaCommand.CreateStorageClass(storageClass("alpha")),
                new MetaCommand.CreateVolume(volume(ID_C, "charlie", "zeta", 4096)),
                new MetaCommand.CreateVolume(volume(ID_A, "alpha", "params", 8192)),
                new MetaCommand.CreateVolume(volume(ID_B, "alpha", "params", 8192)), // rejected: duplicate name
                new MetaCommand.ResizeVolume(ID_C, 1 << 20),
                new MetaCommand.ResizeVolume(ID_C, 4096), // rejected: shrink
                new MetaCommand.DeleteStorageClass("zeta"), // rejected: in use
                new MetaCommand.DeleteStorageClass("alpha"),
                new MetaCommand.CreateVolume(volume(ID_B, "bravo", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096)),
                new MetaCommand.DeleteVolume(ID_A));
        first.addAll(rest);
        second.addAll(rest);

        MetadataState one = new MetadataState();
        MetadataState two = new MetadataState();
        List<MetaResult> r1 = first.stream().map(one::apply).toList();
        List<MetaResult> r2 = second.stream().map(two::apply).toList();
        assertEquals(r1, r2);
        assertEquals(3, r1.stream().filter(r -> r instanceof MetaResult.Rejected).count());
        assertEquals(one.lastApplied(), two.lastApplied());
        assertArrayEquals(one.snapshot(), two.snapshot());
        assertArrayEquals(one.snapshot(), one.snapshot(), "snapshot is repeatable");
    }

    @Test
    void commandsSurviveJsonRoundTrip() throws IOException {
        List<MetaCommand> commands = List.of(
                new MetaCommand.CreateStorageClass(storageClass("custom")),
                new MetaCommand.CreateVolume(volume(ID_A, "data", "custom", 4096)),
                new MetaCommand.ResizeVolume(ID_A, 8192),
                new MetaCommand.DeleteVolume(ID_A),
                new MetaCommand.DeleteStorageClass("custom"));
        for (MetaCommand c : commands) {
            String json = MetadataState.JSON.writerFor(MetaCommand.class).writeValueAsString(c);
            assertTrue(json.contains("\"op\""), json);
            assertEquals(c, MetadataState.JSON.readValue(json, MetaCommand.class));
        }
    }
}
