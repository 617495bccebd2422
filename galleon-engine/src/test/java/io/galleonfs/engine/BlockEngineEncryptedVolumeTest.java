package io.galleonfs.engine;

/** {@link BlockEngineVolumeTest} with encrypted volumes. */
class BlockEngineEncryptedVolumeTest extends BlockEngineVolumeTest {
    @Override
    protected boolean encrypted() {
        return true;
    }
}
