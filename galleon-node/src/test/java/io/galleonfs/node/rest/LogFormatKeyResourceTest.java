package io.galleonfs.node.rest;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Every test of {@link KeyResourceTest} (online master key rotation, destroying the old key)
 * on a node whose storage path is in the log format (the same application as {@link LogFormatVolumeDataResourceTest}).
 */
@QuarkusTest
@TestProfile(LogFormatVolumeDataResourceTest.LogFormat.class)
@WithTestResource(TempStorageResource.class)
class LogFormatKeyResourceTest extends KeyResourceTest {
}
