package io.galleonfs.engine.lsm;

import io.galleonfs.engine.FileKeyProvider;
import io.galleonfs.engine.Volume;
import io.galleonfs.engine.VolumeBehaviourSuite;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;

/** {@link VolumeBehaviourSuite} on the log-structured store (1 MiB segments, so rolls happen in small tests). */
class LogVolumeTest extends VolumeBehaviourSuite {

    @Override
    protected Engine open(Path root) throws IOException {
        LogEngine engine = LogEngine.open(root, BS, 1L << 20, 1L << 40,
                FileKeyProvider.openOrCreate(root.resolveSibling(root.getFileName() + ".key")));
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
            public void close() throws IOException {
                engine.close();
            }
        };
    }
}
