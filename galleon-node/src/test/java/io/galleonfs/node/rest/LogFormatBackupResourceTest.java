package io.galleonfs.node.rest;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Every test of {@link BackupResourceTest} (full and incremental backups from changed-block maps, restores, verify)
 * on a node whose storage path is in the log format (the same application as {@link LogFormatVolumeDataResourceTest}).
 */
@QuarkusTest
@TestProfile(LogFormatVolumeDataResourceTest.LogFormat.class)
@WithTestResource(TempStorageResource.class)
class LogFormatBackupResourceTest extends BackupResourceTest {
}
