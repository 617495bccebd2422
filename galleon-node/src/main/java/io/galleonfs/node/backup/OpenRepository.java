package io.galleonfs.node.backup;

import io.galleonfs.backup.BackupException;
import io.galleonfs.backup.BackupRepository;
import io.galleonfs.backup.ObjectStore;
import io.galleonfs.backup.ObjectStores;
import io.galleonfs.backup.TargetSpec;
import io.galleonfs.backup.Unlock;
import io.galleonfs.node.meta.BackupTargetRecord;
import io.galleonfs.node.tls.ClusterSecrets;
import io.galleonfs.node.volume.GalleonException;
import java.util.Base64;

/**
 * A target's object store and repository, opened with the cluster key stored in metadata (opened from its sealed form
 * by {@link TargetService#get}); closes both.
 */
record OpenRepository(ObjectStore store, BackupRepository repository) implements AutoCloseable {

    /** {@code t} as {@link TargetService#get} gives it: with its secrets opened, or refused here with the reason. */
    static TargetSpec spec(BackupTargetRecord t) {
        if (ClusterSecrets.sealed(t.secretAccessKey()) || ClusterSecrets.sealed(t.clusterKey())) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "backup target '" + t.name() + "': its credentials are"
                    + " sealed with the cluster secrets key, which this node cannot derive (it holds no <storage>/tls/ca.key, as a"
                    + " member enrolled by an older version); run this on another member or copy ca.key to this node");
        }
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
