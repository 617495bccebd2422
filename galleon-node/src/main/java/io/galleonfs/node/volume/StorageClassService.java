package io.galleonfs.node.volume;

import io.galleonfs.api.Names;
import io.galleonfs.api.StorageClassInfo;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.StorageClassRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Storage class lifecycle: validation of user-supplied classes and the metadata commands that store them. */
public final class StorageClassService {
    private static final Set<String> ALGORITHMS = Set.of("AES-256-GCM");
    private static final Set<String> FS_TYPES = Set.of("ext4", "xfs");
    private static final Set<String> KEY_MANAGEMENT = Set.of("internal", "external-kms", "hsm");

    private final MetadataStore store;
    private final MetaCommands commands;

    public StorageClassService(MetadataStore store) {
        this.store = store;
        this.commands = new MetaCommands(store);
    }

    public List<StorageClassRecord> list() {
        return List.copyOf(store.state().storageClasses());
    }

    public StorageClassRecord get(String name) {
        return store.state().storageClass(name)
                .orElseThrow(() -> GalleonException.notFound("storage class '" + name + "' not found"));
    }

    public StorageClassRecord create(StorageClassInfo info) {
        StorageClassRecord record = validate(info);
        commands.submit(new MetaCommand.CreateStorageClass(record));
        return record;
    }

    public void delete(String name) {
        commands.submit(new MetaCommand.DeleteStorageClass(name));
    }

    static StorageClassRecord validate(StorageClassInfo info) {
        if (info == null) {
            throw GalleonException.badRequest("request body is required: a storage class object");
        }
        try {
            Names.requireValid("storage class", info.name());
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest(e.getMessage());
        }
        Map<String, String> params = info.parameters() == null ? Map.of() : info.parameters();
        params.forEach((k, v) -> {
            if (v == null) {
                throw GalleonException.badRequest("parameter '" + k + "' has no value");
            }
        });
        String enc = params.get("encryption");
        if (enc != null && !enc.equals("true") && !enc.equals("false")) {
            throw GalleonException.badRequest("parameter encryption must be \"true\" or \"false\", got '" + enc + "'");
        }
        String alg = params.get("encryption_algorithm");
        if (alg != null && !ALGORITHMS.contains(alg)) {
            throw GalleonException.badRequest("parameter encryption_algorithm '" + alg + "' is not supported; use AES-256-GCM");
        }
        String fs = params.get("fs_type");
        if (fs != null && !FS_TYPES.contains(fs)) {
            throw GalleonException.badRequest("parameter fs_type '" + fs + "' is not supported; use ext4 or xfs");
        }
        String km = params.get("key_management");
        if (km != null && !KEY_MANAGEMENT.contains(km)) {
            throw GalleonException.badRequest("parameter key_management '" + km + "' is not one of internal, external-kms, hsm");
        }
        String replication = params.get("replication");
        if (replication != null) {
            int r;
            try {
                r = Integer.parseInt(replication.trim());
            } catch (NumberFormatException e) {
                throw GalleonException.badRequest("parameter replication '" + replication + "' is not a whole number");
            }
            if (r < 1 || r > 16) {
                throw GalleonException.badRequest("parameter replication must be between 1 and 16, got " + r);
            }
        }
        StorageClassRecord.ReclaimPolicy reclaim = parseEnum(StorageClassRecord.ReclaimPolicy.class, "reclaim_policy",
                info.reclaimPolicy(), StorageClassRecord.ReclaimPolicy.Delete);
        StorageClassRecord.VolumeBindingMode binding = parseEnum(StorageClassRecord.VolumeBindingMode.class,
                "volume_binding_mode", info.volumeBindingMode(), StorageClassRecord.VolumeBindingMode.Immediate);
        List<String> zones = info.allowedTopologies() == null ? List.of() : info.allowedTopologies();
        for (String z : zones) {
            if (z == null || z.isBlank()) {
                throw GalleonException.badRequest("allowed_topologies contains an empty zone");
            }
        }
        if (info.mountOptions() != null && info.mountOptions().stream().anyMatch(o -> o == null || o.isBlank())) {
            throw GalleonException.badRequest("mount_options contains an empty option");
        }
        String provisioner = info.provisioner() == null || info.provisioner().isBlank() ? "galleonfs.io/local" : info.provisioner();
        return new StorageClassRecord(info.name(), provisioner, params, reclaim, binding, zones, info.mountOptions(), false);
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String field, String text, E fallback) {
        if (text == null) {
            return fallback;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text)) {
                return e;
            }
        }
        throw GalleonException.badRequest(field + " '" + text + "' is invalid; expected one of "
                + String.join(", ", java.util.Arrays.stream(type.getEnumConstants()).map(Enum::name).toList()));
    }

    public static StorageClassInfo toInfo(StorageClassRecord r) {
        return new StorageClassInfo(r.name(), r.provisioner(), r.parameters(), r.reclaimPolicy().name(),
                r.volumeBindingMode().name(), r.allowedTopologies(), r.mountOptions(), r.builtIn());
    }
}
