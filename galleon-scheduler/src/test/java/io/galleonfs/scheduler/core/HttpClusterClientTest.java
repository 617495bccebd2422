package io.galleonfs.scheduler.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HttpClusterClientTest {
    @Test
    void aNamespacedReferenceAddressesTheVolumeWithTheNamespaceParameter() {
        assertEquals("/api/v1/volumes/db/snapshots", HttpClusterClient.volumePath("db", "/snapshots"));
        assertEquals("/api/v1/volumes/db/snapshots/daily-1?namespace=team-b", HttpClusterClient.volumePath("team-b/db", "/snapshots/daily-1"));
        assertEquals("/api/v1/volumes/my%20vol/freeze?namespace=a", HttpClusterClient.volumePath("a/my vol", "/freeze"));
    }
}
