package io.galleonfs.node.backup;

import io.galleonfs.backup.BackupException;
import io.galleonfs.backup.BackupRepository;
import io.galleonfs.backup.ObjectStore;
import io.galleonfs.backup.ObjectStores;
import io.galleonfs.backup.TargetSpec;
import io.galleonfs.backup.Unlock;
import io.galleonfs.node.meta.BackupTargetRecord;
import java.util.Base64;

/** A target's object store and repository, opened with the cluster key stored in metadata; closes both. */
record OpenRepository(ObjectStore store, BackupRepository repository) implements AutoCloseable {

    static TargetSpec spec(BackupTargetRecord t) {
        return new TargetSpec(t.url(), t.endpoint(), t.region(), t.pathStyle(), t.accessKeyId(), t.secretAccessKey());
    }

    static OpenRepository open(BackupTargetRecord target) {
        ObjectStore store = ObjectStores.open(spec(target));
        try {
            return new OpenRepository(store, BackupRepository.open(store, Unlock.clusterKey(Base64.getDecoder().decode(target.clusterKey()))));
        } catch (BackupException | IllegalArgumentException e) {
            store.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            repository.close();
        } finally {
            store.close();
        }
    }
}
