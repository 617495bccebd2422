package io.galleonfs.node.backup;

import io.galleonfs.api.BackupTargetInfo;
import io.galleonfs.api.CreateBackupTargetRequest;
import io.galleonfs.api.Names;
import io.galleonfs.backup.BackupException;
import io.galleonfs.backup.BackupInfo;
import io.galleonfs.backup.BackupRepository;
import io.galleonfs.backup.ObjectStore;
import io.galleonfs.backup.ObjectStores;
import io.galleonfs.backup.TargetSpec;
import io.galleonfs.backup.Unlock;
import io.galleonfs.node.meta.BackupRecord;
import io.galleonfs.node.meta.BackupTargetRecord;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.tls.ClusterSecrets;
import io.galleonfs.node.volume.GalleonException;
import io.galleonfs.node.volume.MetaCommands;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Backup targets: validates, reaches the target, initialises its repository (or adopts an existing one with the recovery
 * passphrase, importing its backups into the catalog) and records it. The passphrase is used once and never stored;
 * the target keeps a random per-target cluster key that also unwraps the repository key. That key and an S3 secret key
 * go into metadata sealed ({@link ClusterSecrets}: AES-GCM under a key derived from the cluster CA key) when this node
 * holds the CA key, and are opened by {@link #get} for the services that use them; plain values (older records, or a
 * cluster without TLS) are read as they are.
 */
public final class TargetService {
    private static final Logger LOG = Logger.getLogger(TargetService.class);
    static final int MIN_PASSPHRASE_CHARS = 8;

    private final MetadataStore store;
    private final MetaCommands commands;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final ClusterSecrets secrets;

    /** Without sealing: secrets are stored and read plain (tests of other parts, nodes without TLS files). */
    public TargetService(MetadataStore store, Clock clock) {
        this(store, clock, ClusterSecrets.none());
    }

    public TargetService(MetadataStore store, Clock clock, ClusterSecrets secrets) {
        this.store = store;
        this.commands = new MetaCommands(store);
        this.clock = clock;
        this.secrets = secrets;
    }

    public List<BackupTargetRecord> list() {
        return List.copyOf(store.state().backups().targets());
    }

    /**
     * The target with its secrets opened, for the services that reach its repository ({@link OpenRepository}). A node
     * that cannot open them (it holds no CA key) gets them sealed; {@link OpenRepository} then refuses with the reason.
     */
    public BackupTargetRecord get(String name) {
        BackupTargetRecord t = store.state().backups().target(name)
                .orElseThrow(() -> GalleonException.notFound("backup target '" + name + "' not found"));
        if (!ClusterSecrets.sealed(t.secretAccessKey()) && !ClusterSecrets.sealed(t.clusterKey()) || !secrets.available()) {
            return t;
        }
        try {
            return new BackupTargetRecord(t.name(), t.url(), t.endpoint(), t.region(), t.pathStyle(), t.accessKeyId(),
                    secrets.open(context(name, "secret_access_key"), t.secretAccessKey()),
                    secrets.open(context(name, "cluster_key"), t.clusterKey()), t.repositoryId(), t.createdAtMillis());
        } catch (ClusterSecrets.Unopenable e) {
            throw new GalleonException(GalleonException.Kind.UNAVAILABLE, "backup target '" + name + "': " + e.getMessage());
        }
    }

    private String openedClusterKey(String target) {
        BackupTargetRecord t = get(target);
        OpenRepository.spec(t); // refuses, with the reason, when this node could not open it
        return t.clusterKey();
    }

    /** The associated data of a sealed field: binds it to its target and field. */
    static String context(String target, String field) {
        return "backup-target/" + target + "/" + field;
    }

    public BackupTargetInfo info(BackupTargetRecord t) {
        int count = (int) store.state().backups().backups().stream().filter(b -> b.target().equals(t.name())).count();
        return new BackupTargetInfo(t.name(), t.url(), t.endpoint(), t.region(), t.pathStyle(), t.accessKeyId(),
                t.secretAccessKey() != null, t.repositoryId(), count, Instant.ofEpochMilli(t.createdAtMillis()).toString());
    }

    public BackupTargetRecord create(CreateBackupTargetRequest r) {
        if (r == null) {
            throw GalleonException.badRequest("request body is required: name, url and passphrase");
        }
        String name;
        try {
            name = Names.requireValid("backup target", r.name());
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        if (r.url() == null || r.url().isBlank()) {
            throw GalleonException.badRequest("url is required: file:///path or s3://bucket/prefix");
        }
        if (!r.url().startsWith("file:") && !r.url().startsWith("s3:")) {
            throw GalleonException.badRequest("url '" + r.url() + "' is not supported: use file:///absolute/path or s3://bucket/prefix");
        }
        if ((r.accessKeyId() == null) != (r.secretAccessKey() == null)) {
            throw GalleonException.badRequest("give both access_key_id and secret_access_key, or neither (then the usual AWS sources apply)");
        }
        if (r.passphrase() == null || r.passphrase().length() < MIN_PASSPHRASE_CHARS) {
            throw GalleonException.badRequest("a recovery passphrase of at least " + MIN_PASSPHRASE_CHARS
                    + " characters is required (--passphrase-file or GALLEONFS_BACKUP_PASSPHRASE)");
        }
        if (store.state().backups().target(name).isPresent()) {
            throw GalleonException.conflict("a backup target named '" + name + "' already exists");
        }
        // The repository keeps one cluster-key wrapping: a second target of this cluster on the same repository must share
        // the first one's key, or adopting the repository again would lock the first target out.
        byte[] clusterKey = store.state().backups().targets().stream()
                .filter(t -> t.url().equals(r.url()) && java.util.Objects.equals(t.endpoint(), blankToNull(r.endpoint())))
                .findFirst().map(t -> Base64.getDecoder().decode(openedClusterKey(t.name()))).orElseGet(() -> {
                    byte[] k = new byte[32];
                    random.nextBytes(k);
                    return k;
                });
        char[] passphrase = r.passphrase().toCharArray();
        TargetSpec spec = new TargetSpec(r.url(), blankToNull(r.endpoint()), blankToNull(r.region()), Boolean.TRUE.equals(r.pathStyle()),
                blankToNull(r.accessKeyId()), blankToNull(r.secretAccessKey()));
        String repositoryId;
        List<BackupInfo> existing = List.of();
        try (ObjectStore objects = ObjectStores.open(spec)) {
            if (BackupRepository.exists(objects)) {
                try (BackupRepository repo = BackupRepository.open(objects, Unlock.passphrase(passphrase))) {
                    repo.setClusterKey(clusterKey);
                    repositoryId = repo.repositoryId();
                    existing = repo.list();
                }
                LOG.infof("backup target %s: adopted the existing repository %s with %d backup(s)", name, repositoryId, existing.size());
            } else {
                try (BackupRepository repo = BackupRepository.init(objects, passphrase, clusterKey)) {
                    repositoryId = repo.repositoryId();
                }
                LOG.infof("backup target %s: initialised repository %s at %s", name, repositoryId, objects.describe());
            }
        } catch (BackupException e) {
            throw BackupErrors.translate(e);
        } finally {
            Arrays.fill(passphrase, '\0');
        }
        String encodedKey = Base64.getEncoder().encodeToString(clusterKey);
        BackupTargetRecord record = new BackupTargetRecord(name, r.url(), spec.endpoint(), spec.region(), spec.pathStyle(),
                spec.accessKeyId(), spec.secretAccessKey(), encodedKey, repositoryId, clock.millis());
        if (secrets.available()) {
            // Only ciphertext goes into the Raft log; the caller still gets the plain record it just made.
            commands.submit(new MetaCommand.CreateBackupTarget(new BackupTargetRecord(name, r.url(), spec.endpoint(), spec.region(),
                    spec.pathStyle(), spec.accessKeyId(), secrets.seal(context(name, "secret_access_key"), spec.secretAccessKey()),
                    secrets.seal(context(name, "cluster_key"), encodedKey), repositoryId, record.createdAtMillis())));
        } else {
            LOG.warnf("backup target %s: its cluster key%s are stored in metadata unsealed: this node holds no cluster CA key"
                    + " (TLS is off), see docs/ARCHITECTURE.md \"Secrets\"", name, spec.secretAccessKey() == null ? "" : " and S3 secret key");
            commands.submit(new MetaCommand.CreateBackupTarget(record));
        }
        for (BackupInfo b : existing) {
            commands.submit(new MetaCommand.PutBackup(imported(name, b)));
        }
        return record;
    }

    /** A catalog entry for a backup found in an adopted repository; its id derives from the manifest id, so it is stable. */
    static BackupRecord imported(String target, BackupInfo b) {
        String id = UUID.nameUUIDFromBytes((target + "/" + b.id()).getBytes(StandardCharsets.UTF_8)).toString();
        long created = b.created() == null ? 0 : b.created().toEpochMilli();
        var s = b.stats();
        return new BackupRecord(id, b.volumeId(), b.volumeName(), target, b.strategy().name().toLowerCase(java.util.Locale.ROOT), null,
                null, BackupRecord.COMPLETED, b.sizeBytes(), s == null ? 0 : s.bytesRead(), s == null ? 0 : s.bytesNew(),
                s == null ? 0 : s.bytesStored(), null, created, created, null, b.id());
    }

    public void delete(String name, boolean force) {
        get(name);
        commands.submit(new MetaCommand.DeleteBackupTarget(name, force));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
