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
 * the target keeps a random per-target cluster key that also unwraps the repository key.
 */
public final class TargetService {
    private static final Logger LOG = Logger.getLogger(TargetService.class);
    static final int MIN_PASSPHRASE_CHARS = 8;

    private final MetadataStore store;
    private final MetaCommands commands;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public TargetService(MetadataStore store, Clock clock) {
        this.store = store;
        this.commands = new MetaCommands(store);
        this.clock = clock;
    }

    public List<BackupTargetRecord> list() {
        return List.copyOf(store.state().backups().targets());
    }

    public BackupTargetRecord get(String name) {
        return store.state().backups().target(name)
                .orElseThrow(() -> GalleonException.notFound("backup target '" + name + "' not found"));
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
                .findFirst().map(t -> Base64.getDecoder().decode(t.clusterKey())).orElseGet(() -> {
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
        BackupTargetRecord record = new BackupTargetRecord(name, r.url(), spec.endpoint(), spec.region(), spec.pathStyle(),
                spec.accessKeyId(), spec.secretAccessKey(), Base64.getEncoder().encodeToString(clusterKey), repositoryId, clock.millis());
        commands.submit(new MetaCommand.CreateBackupTarget(record));
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
