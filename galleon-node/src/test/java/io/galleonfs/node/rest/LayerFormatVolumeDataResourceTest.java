package io.galleonfs.node.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every test of {@link VolumeDataResourceTest} (data, snapshots, restore, clones, trim, expand, verify, bench, no
 * plaintext on disk) on a node whose new storage path got {@code engine_format = "layers"}: the layer engine (journal +
 * layer files) behind the same REST API, while every other REST test runs on the default (a new path gets the log store).
 * In an application of its own (a profile with the setting).
 */
@QuarkusTest
@TestProfile(LayerFormatVolumeDataResourceTest.LayerFormat.class)
@WithTestResource(TempStorageResource.class)
class LayerFormatVolumeDataResourceTest extends VolumeDataResourceTest {
    public static final class LayerFormat implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("galleon.engine_format", "layers");
        }
    }

    @Test
    void theNodeRunsOnTheLayerEngine() throws IOException {
        Path engine = Path.of(storagePath).resolve("engine");
        assertEquals("galleonfs-engine layers-v1", Files.readString(engine.resolve("format")).trim());
        assertTrue(Files.isDirectory(engine.resolve("journal")), "the layer engine's journal");
        assertFalse(Files.exists(engine.resolve("store")), "no log store");
        given().get("/api/v1/daemon/config").then().statusCode(200).body("engine_format", equalTo("layers"));
    }
}
