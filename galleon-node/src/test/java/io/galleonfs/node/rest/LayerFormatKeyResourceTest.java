package io.galleonfs.node.rest;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Every test of {@link KeyResourceTest} (online master key rotation, destroying the old key)
 * on a node configured with {@code engine_format = "layers"} (the same application as {@link LayerFormatVolumeDataResourceTest}).
 */
@QuarkusTest
@TestProfile(LayerFormatVolumeDataResourceTest.LayerFormat.class)
@WithTestResource(TempStorageResource.class)
class LayerFormatKeyResourceTest extends KeyResourceTest {
}
