package io.galleonfs.node.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataStoreTest {

    private static final UUID ID_A = MetadataStateTest.ID_A;
    private static final UUID ID_B = MetadataStateTest.ID_B;

    @TempDir
    Path dir;

    private Path metaDir() {
        return dir.resolve("metadata");
    }

    private Path stateFile() {
        return metaDir().resolve("state.json");
    }

    private static void submitAll(MetadataStore store, List<MetaCommand> commands) throws IOException {
        for (MetaCommand c : commands) {
            assertInstanceOf(MetaResult.Applied.class, store.submit(c), c.toString());
        }
    }

    private static List<MetaCommand> someCommands() {
        return List.of(
                new MetaCommand.CreateStorageClass(BuiltInStorageClasses.all().get(0)),
                new MetaCommand.CreateStorageClass(BuiltInStorageClasses.all().get(1)),
                new MetaCommand.CreateStorageClass(MetadataStateTest.storageClass("custom")),
                new MetaCommand.CreateVolume(MetadataStateTest.volume(ID_A, "alpha", "custom", 4096)),
                new MetaCommand.CreateVolume(MetadataStateTest.volume(ID_B, "bravo", BuiltInStorageClasses.FAST_LOCAL_SSD, 8192)),
                new MetaCommand.ResizeVolume(ID_B, 16384));
    }

    @Test
    void openCreatesTheDirectoryAndStartsEmpty() throws IOException {
        MetadataStore store = MetadataStore.open(metaDir());
        assertTrue(Files.isDirectory(metaDir()));
        assertEquals(0, store.state().lastApplied());
        assertTrue(store.state().volumes().isEmpty());
        assertFalse(Files.exists(stateFile()), "nothing is written before the first command");
    }

    @Test
    void submitPersistsAndReopenRestores() throws IOException {
        MetadataStore store = MetadataStore.open(metaDir());
        submitAll(store, someCommands());
        assertTrue(Files.exists(stateFile()));
        assertArrayEquals(store.state().snapshot(), Files.readAllBytes(stateFile()), "the file holds the latest state");

        MetadataStore reopened = MetadataStore.open(metaDir());
        assertEquals(6, reopened.state().lastApplied());
        assertArrayEquals(store.state().snapshot(), reopened.state().snapshot());
        assertEquals(16384, reopened.state().volumeByName("bravo").orElseThrow().sizeBytes());
        assertEquals(List.copyOf(store.state().volumes()), List.copyOf(reopened.state().volumes()));

        // and it continues from there
        MetaResult r = reopened.submit(new MetaCommand.DeleteVolume(ID_A));
        assertEquals(new MetaResult.Applied(7), r);
        assertEquals(7, MetadataStore.open(metaDir()).state().lastApplied());
    }

    @Test
    void leftoverTempFileFromACrashIsIgnored() throws IOException {
        MetadataStore store = MetadataStore.open(metaDir());
        submitAll(store, someCommands());
        byte[] committed = Files.readAllBytes(stateFile());

        // a crash between writing the temporary file and renaming it leaves a half-written sibling
        Path tmp = metaDir().resolve("state.json.tmp");
        Files.writeString(tmp, "{\"last_applied\": 99, \"volumes\": [ {\"id\": \"trunc");

        MetadataStore reopened = MetadataStore.open(metaDir());
        assertEquals(6, reopened.state().lastApplied());
        assertArrayEquals(committed, reopened.state().snapshot());
        assertFalse(Files.exists(tmp), "the leftover is removed");
        assertArrayEquals(committed, Files.readAllBytes(stateFile()));
    }

    @Test
    void leftoverTempFileWithoutStateFileGivesAnEmptyState() throws IOException {
        Files.createDirectories(metaDir());
        Path tmp = metaDir().resolve("state.json.tmp");
        Files.writeString(tmp, "garbage");
        MetadataStore store = MetadataStore.open(metaDir());
        assertEquals(0, store.state().lastApplied());
        assertFalse(Files.exists(tmp));
    }

    @Test
    void rejectedCommandsDoNotChangeTheFile() throws IOException {
        MetadataStore store = MetadataStore.open(metaDir());
        submitAll(store, someCommands());
        byte[] before = Files.readAllBytes(stateFile());
        MetadataState published = store.state();

        List<MetaCommand> bad = List.of(
                new MetaCommand.CreateVolume(MetadataStateTest.volume(UUID.randomUUID(), "alpha", "custom", 4096)),
                new MetaCommand.CreateVolume(MetadataStateTest.volume(ID_A, "other", "custom", 4096)),
                new MetaCommand.CreateVolume(MetadataStateTest.volume(UUID.randomUUID(), "gamma", "no-such-class", 4096)),
                new MetaCommand.CreateStorageClass(MetadataStateTest.storageClass("custom")),
                new MetaCommand.DeleteStorageClass("custom"),
                new MetaCommand.DeleteStorageClass(BuiltInStorageClasses.ENCRYPTED_STORAGE),
                new MetaCommand.DeleteStorageClass("no-such-class"),
                new MetaCommand.DeleteVolume(UUID.randomUUID()),
                new MetaCommand.ResizeVolume(ID_B, 4096));
        for (MetaCommand c : bad) {
            assertInstanceOf(MetaResult.Rejected.class, store.submit(c), c.toString());
            assertSame(published, store.state(), "a rejected command publishes no new state");
        }
        assertArrayEquals(before, Files.readAllBytes(stateFile()));
        assertFalse(Files.exists(metaDir().resolve("state.json.tmp")));
        assertEquals(6, MetadataStore.open(metaDir()).state().lastApplied());
    }

    @Test
    void publishedStatesAreNotChangedByLaterCommands() throws IOException {
        MetadataStore store = MetadataStore.open(metaDir());
        submitAll(store, someCommands());
        MetadataState old = store.state();
        byte[] oldImage = old.snapshot();
        store.submit(new MetaCommand.DeleteVolume(ID_A));
        assertArrayEquals(oldImage, old.snapshot(), "a reader's state stays as it was");
        assertTrue(old.volumeByName("alpha").isPresent());
        assertTrue(store.state().volumeByName("alpha").isEmpty());
    }

    @Test
    void corruptStateFileFailsToOpen() throws IOException {
        Files.createDirectories(metaDir());
        Files.writeString(stateFile(), "{ not json");
        assertThrows(IOException.class, () -> MetadataStore.open(metaDir()));
    }
}
