package io.galleonfs.node.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.node.auth.NamespaceScope;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Volume names are unique per namespace; references resolve within the namespaces a caller may see. */
class VolumeLookupTest {
    static final UUID ID_A = UUID.fromString("00000000-0000-4000-8000-0000000000a1");
    static final UUID ID_B = UUID.fromString("00000000-0000-4000-8000-0000000000b1");
    static final UUID ID_D = UUID.fromString("00000000-0000-4000-8000-0000000000d1");
    static final NamespaceScope A = NamespaceScope.of(List.of("team-a"));
    static final NamespaceScope B = NamespaceScope.of(List.of("team-b"));

    private MetadataState state;

    private static VolumeRecord db(UUID id, String namespace) {
        return MetadataStateTest.volume(id, "db", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096).inNamespace(namespace);
    }

    @BeforeEach
    void twoTenantsWithTheSameName() {
        state = new MetadataState();
        MetadataStateTest.builtIns().forEach(state::apply);
        assertInstanceOf(MetaResult.Applied.class, state.apply(new MetaCommand.CreateVolume(db(ID_A, "team-a"))));
        assertInstanceOf(MetaResult.Applied.class, state.apply(new MetaCommand.CreateVolume(db(ID_B, "team-b"))));
    }

    private VolumeRecord found(String ref, String namespace, NamespaceScope scope) {
        return assertInstanceOf(VolumeLookup.Found.class, VolumeLookup.resolve(state, ref, namespace, scope)).volume();
    }

    private void missing(String ref, String namespace, NamespaceScope scope) {
        assertInstanceOf(VolumeLookup.Missing.class, VolumeLookup.resolve(state, ref, namespace, scope), ref + " in " + namespace);
    }

    @Test
    void aNameIsUniquePerNamespaceOnly() {
        assertEquals(ID_A, state.volumeByName("team-a", "db").orElseThrow().id());
        assertEquals(ID_B, state.volumeByName("team-b", "db").orElseThrow().id());
        assertEquals(List.of("team-a", "team-b"), state.volumesNamed("db").stream().map(VolumeRecord::namespace).toList());
        byte[] before = state.snapshot();
        MetaResult r = state.apply(new MetaCommand.CreateVolume(db(ID_D, "team-a")));
        MetaResult.Rejected rej = assertInstanceOf(MetaResult.Rejected.class, r);
        assertEquals(MetaResult.Reason.CONFLICT, rej.reason());
        assertTrue(rej.detail().contains("namespace 'team-a'"), rej.detail());
        assertEquals(new String(before, StandardCharsets.UTF_8), new String(state.snapshot(), StandardCharsets.UTF_8));
    }

    @Test
    void eachTenantSeesItsOwnVolumeByBareName() {
        assertEquals(ID_A, found("db", null, A).id());
        assertEquals(ID_B, found("db", null, B).id());
        missing("other", null, A);
    }

    @Test
    void anotherTenantsVolumeIsMissingWhateverTheForm() {
        missing(ID_B.toString(), null, A);
        missing("team-b/db", null, A);
        missing("db", "team-b", A);
    }

    @Test
    void aNameInTwoVisibleNamespacesIsAmbiguousUntilOneIsChosen() {
        VolumeLookup.Ambiguous a = assertInstanceOf(VolumeLookup.Ambiguous.class, VolumeLookup.resolve(state, "db", null, NamespaceScope.ALL));
        assertEquals(List.of("team-a", "team-b"), a.namespaces());
        assertTrue(a.detail().contains("team-a, team-b") && a.detail().contains("team-a/db"), a.detail());
        // A token that sees both namespaces (but not all) hits the same rule, and the list names only what it may see.
        assertEquals(ID_B, found("team-b/db", null, NamespaceScope.ALL).id());
        assertEquals(ID_A, found("db", "team-a", NamespaceScope.ALL).id());
        assertEquals(ID_A, found(ID_A.toString(), null, NamespaceScope.ALL).id());
        missing("team-a/db", "team-b", NamespaceScope.ALL);
        missing(ID_A.toString(), "team-b", NamespaceScope.ALL);
    }

    @Test
    void ambiguityListsOnlyTheCallersNamespaces() {
        state.apply(new MetaCommand.CreateVolume(db(ID_D, "team-c")));
        NamespaceScope ab = NamespaceScope.of(List.of("team-a", "team-b"));
        VolumeLookup.Ambiguous a = assertInstanceOf(VolumeLookup.Ambiguous.class, VolumeLookup.resolve(state, "db", null, ab));
        assertEquals(List.of("team-a", "team-b"), a.namespaces());
        assertTrue(!a.detail().contains("team-c"), a.detail());
    }

    @Test
    void stateWrittenBeforeNamespacesLoadsIntoDefaultAndResolvesByName() throws Exception {
        MetadataState old = new MetadataState();
        MetadataStateTest.builtIns().forEach(old::apply);
        old.apply(new MetaCommand.CreateVolume(MetadataStateTest.volume(ID_D, "db", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096)));
        // The image as an older release wrote it: volumes without a namespace field.
        String image = new String(old.snapshot(), StandardCharsets.UTF_8).replaceAll(",?\\s*\"namespace\"\\s*:\\s*\"default\"", "");
        assertTrue(!image.contains("\"namespace\""), image);
        MetadataState restored = MetadataState.restore(image.getBytes(StandardCharsets.UTF_8));
        assertEquals(VolumeRecord.DEFAULT_NAMESPACE, restored.volume(ID_D).orElseThrow().namespace());
        assertEquals(ID_D, restored.volumeByName("default", "db").orElseThrow().id());
        VolumeLookup.Result r = VolumeLookup.resolve(restored, "db", null, NamespaceScope.ALL);
        assertEquals(ID_D, assertInstanceOf(VolumeLookup.Found.class, r).volume().id());
        // ...and a tenant may now create its own 'db'.
        assertInstanceOf(MetaResult.Applied.class, restored.apply(new MetaCommand.CreateVolume(db(ID_A, "team-a"))));
    }

    @Test
    void qualifiedNameOnlyWhereABareNameWouldBeAmbiguous() {
        state.apply(new MetaCommand.CreateVolume(MetadataStateTest.volume(ID_D, "solo", BuiltInStorageClasses.FAST_LOCAL_SSD, 4096)));
        assertEquals("team-a/db", VolumeLookup.qualifiedName(state, state.volume(ID_A).orElseThrow()));
        assertEquals("solo", VolumeLookup.qualifiedName(state, state.volume(ID_D).orElseThrow()));
    }
}
