package io.galleonfs.backup;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The repository contract on a directory target. */
class DirectoryRepositoryTest extends RepositoryContractTest {
    @TempDir
    Path dir;

    @Override
    ObjectStore newStore(String name) {
        return ObjectStores.open(TargetSpec.directory(dir.resolve(name)));
    }

    @Override
    ObjectStore reopenStore(String name) {
        return newStore(name);
    }
}
