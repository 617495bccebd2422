package io.galleonfs.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;

/** {@link VolumeBehaviourSuite} on the layer engine. */
class BlockEngineVolumeTest extends VolumeBehaviourSuite {

    @Override
    protected Engine open(Path root) throws IOException {
        LayerEngine engine = LayerEngine.open(TestSupport.config(root));
        return new Engine() {
            @Override
            public Volume create(UUID id, long sizeBytes) throws IOException {
                return engine.create(id, sizeBytes, encrypted());
            }

            @Override
            public Volume find(UUID id) {
                return engine.find(id).orElseThrow();
            }

            @Override
            public Volume cloneVolume(UUID source, String snapshotOrNull, UUID target) throws IOException {
                return engine.cloneVolume(source, snapshotOrNull, target);
            }

            @Override
            public void settle(Volume v) throws IOException {
                engine.awaitMaintenance();
                ((VolumeImpl) v).awaitApplied();
            }

            @Override
            public void close() throws IOException {
                engine.close();
            }
        };
    }
}
