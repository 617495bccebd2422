package io.galleonfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.galleonfs.api.GalleonApi;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckedPathParamsTest {
    private final List<String> sent = new ArrayList<>();
    private final GalleonApi api = CheckedPathParams.wrap(GalleonApi.class, (GalleonApi) Proxy.newProxyInstance(
            GalleonApi.class.getClassLoader(), new Class<?>[] {GalleonApi.class}, (self, method, args) -> {
                sent.add(method.getName() + " " + java.util.Arrays.toString(args));
                return null;
            }));

    @Test
    void aDotDotSnapshotNameNeverLeavesTheCli() {
        ErrorHandler.CliException e = assertThrows(ErrorHandler.CliException.class, () -> api.deleteSnapshot("web", ".."));
        assertTrue(e.getMessage().startsWith("snapshot '..' is not a valid name"), e.getMessage());
        assertEquals(List.of(), sent);
    }

    @Test
    void everyKindOfPathParameterIsChecked() {
        assertThrows(ErrorHandler.CliException.class, () -> api.deleteVolume(".", true));
        assertThrows(ErrorHandler.CliException.class, () -> api.getVolume("a/.."));
        assertThrows(ErrorHandler.CliException.class, () -> api.getVolume("../b"));
        assertThrows(ErrorHandler.CliException.class, () -> api.getVolume("a/b/c"));
        assertThrows(ErrorHandler.CliException.class, () -> api.deleteStorageClass("%2e%2e"));
        assertThrows(ErrorHandler.CliException.class, () -> api.unmount("web", "..", false));
        assertThrows(ErrorHandler.CliException.class, () -> api.listSnapshots(""));
        assertEquals(List.of(), sent);
    }

    @Test
    void aNamespacedVolumeIsLookedUpInTheCallersListingAndAnUnknownOneIsOneLine() {
        ErrorHandler.CliException e = assertThrows(ErrorHandler.CliException.class, () -> api.getVolume("team-a/db"));
        assertEquals("volume 'team-a/db' not found", e.getMessage());
        assertEquals(List.of("listVolumes null"), sent, "only the listing was asked, never the volume route");
    }

    @Test
    void validCallsGoThrough() {
        api.deleteSnapshot("web", "before-upgrade");
        api.getVolume("a1b2c3d4-e5f6-7890-abcd-ef1234567890");
        api.listVolumes();
        assertEquals(3, sent.size());
    }
}
