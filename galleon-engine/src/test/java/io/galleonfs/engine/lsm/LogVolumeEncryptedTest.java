package io.galleonfs.engine.lsm;

/** {@link LogVolumeTest} with encrypted volumes. */
class LogVolumeEncryptedTest extends LogVolumeTest {
    @Override
    protected boolean encrypted() {
        return true;
    }
}
