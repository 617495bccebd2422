package io.galleonfs.node.auth;

import io.galleonfs.node.meta.BackupRecord;
import io.galleonfs.node.meta.JobRecord;
import io.galleonfs.node.meta.MetadataState;
import io.galleonfs.node.meta.VolumeRecord;
import java.util.Optional;

/**
 * What a token limited to some namespaces may see of the things that hang off volumes: a backup or a job belongs to
 * the namespace of its volume. A backup whose volume is gone belongs to no namespace any more (the catalog does not
 * record one), so only an unrestricted token sees it. Hidden things are answered as missing, never as forbidden, so
 * a tenant cannot learn that they exist.
 */
public final class TenantView {
    private final NamespaceScope scope;
    private final MetadataState state;

    public TenantView(NamespaceScope scope, MetadataState state) {
        this.scope = scope;
        this.state = state;
    }

    public boolean unrestricted() {
        return scope.unrestricted();
    }

    public boolean allowsNamespace(String namespace) {
        return scope.allows(namespace);
    }

    /** A volume named or identified by {@code ref}, in a namespace the token covers. */
    public boolean volume(String ref) {
        if (scope.unrestricted()) {
            return true;
        }
        return find(ref).filter(v -> scope.allows(v.namespace())).isPresent();
    }

    /**
     * What to hand the services for the volume {@code ref}: the UUID of the volume a restricted caller's name means
     * within its namespaces (services resolve bare names among every namespace), empty when it sees none.
     */
    public Optional<String> volumeRef(String ref) {
        return scope.unrestricted() ? Optional.ofNullable(ref) : find(ref).map(v -> v.id().toString());
    }

    public boolean backup(BackupRecord b) {
        return scope.unrestricted() || (b.volumeId() != null && volume(b.volumeId()));
    }

    public boolean job(JobRecord j) {
        if (scope.unrestricted()) {
            return true;
        }
        if (j.backupId() != null) {
            Optional<BackupRecord> b = state.backups().backup(j.backupId());
            if (b.isPresent()) {
                return backup(b.get());
            }
        }
        return j.volume() != null && volume(j.volume());
    }

    private Optional<VolumeRecord> find(String ref) {
        // Within the token's scope: a name another tenant also uses is neither missing nor ambiguous here.
        return io.galleonfs.node.meta.VolumeLookup.resolve(state, ref, null, scope) instanceof io.galleonfs.node.meta.VolumeLookup.Found f
                ? Optional.of(f.volume()) : Optional.empty();
    }
}
