package io.galleonfs.node.volume;

import io.galleonfs.api.Names;
import io.galleonfs.api.StorageClassInfo;
import io.galleonfs.node.meta.MetaCommand;
import io.galleonfs.node.meta.MetadataStore;
import io.galleonfs.node.meta.StorageClassRecord;
import io.galleonfs.node.placement.PlacementRequest;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Storage class lifecycle: validation of user-supplied classes and the metadata commands that store them. */
public final class StorageClassService {
    private static final Set<String> ALGORITHMS = Set.of("AES-256-GCM");
    private static final Set<String> FS_TYPES = Set.of("ext4", "xfs");
    private static final Set<String> REPLICATION_STRATEGIES = Set.of("synchronous", "asynchronous");
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
            int r = wholeNumber("replication", replication);
            if (r < 1 || r > 16) {
                throw GalleonException.badRequest("parameter replication must be between 1 and 16, got " + r);
            }
        }
        String minReplicas = params.get("min_replicas");
        if (minReplicas != null) {
            int m = wholeNumber("min_replicas", minReplicas);
            int r = replication == null ? 1 : Integer.parseInt(replication.trim());
            if (m < 1 || m > 16) {
                throw GalleonException.badRequest("parameter min_replicas must be between 1 and 16, got " + m);
            }
            if (replication != null && m > r) {
                throw GalleonException.badRequest("parameter min_replicas (" + m + ") is larger than replication (" + r + ")");
            }
        }
        String strategy = params.get("replication_strategy");
        if (strategy != null && !REPLICATION_STRATEGIES.contains(strategy.trim().toLowerCase(java.util.Locale.ROOT))) {
            throw GalleonException.badRequest("parameter replication_strategy '" + strategy
                    + "' is not one of synchronous, asynchronous");
        }
        try {
            // The placement parameters are parsed when a volume is placed; parse them now so a bad class is refused at once.
            PlacementRequest placement = PlacementRequest.of("class-check", 1, 0, params, List.of());
            placement.volumeAffinity().forEach(n -> Names.requireValid(PlacementRequest.PARAM_VOLUME_AFFINITY + ": volume", n));
            placement.volumeAntiAffinity().forEach(n -> Names.requireValid(PlacementRequest.PARAM_VOLUME_ANTI_AFFINITY + ": volume", n));
        } catch (IllegalArgumentException e) {
            throw GalleonException.badRequest("parameter " + e.getMessage());
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
        io.galleonfs.api.QosPolicy qos = info.qos() == null ? null
                : io.galleonfs.node.volume.qos.QosPolicies.validate("storage class qos", info.qos());
        String qosPolicy = params.get(StorageClassRecord.QOS_POLICY_PARAMETER);
        if (qosPolicy != null) {
            // Whether the named policy exists is decided when the class is applied (MetadataState), like every reference.
            try {
                Names.requireValid("parameter " + StorageClassRecord.QOS_POLICY_PARAMETER + ": QoS policy", qosPolicy);
            } catch (IllegalArgumentException e) {
                throw GalleonException.badRequest(e.getMessage());
            }
            if (qos != null) {
                throw GalleonException.badRequest("a storage class takes either qos (inline) or parameter "
                        + StorageClassRecord.QOS_POLICY_PARAMETER + " (a named policy), not both");
            }
        }
        return new StorageClassRecord(info.name(), provisioner, params, reclaim, binding, zones, info.mountOptions(), false, qos);
    }

    private static int wholeNumber(String param, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw GalleonException.badRequest("parameter " + param + " '" + text + "' is not a whole number");
        }
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
                r.volumeBindingMode().name(), r.allowedTopologies(), r.mountOptions(), r.builtIn(), r.qos());
    }
}
