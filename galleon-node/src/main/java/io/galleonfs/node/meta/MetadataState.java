package io.galleonfs.node.meta;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import io.galleonfs.node.auth.TokenRecord;

/**
 * The deterministic metadata state machine: volumes and storage classes, changed only by {@link #apply}. Every
 * validation that depends on state (unique names, classes in use) happens here, so all replicas decide alike.
 * Not thread-safe: {@link MetadataStore} serialises access.
 */
public final class MetadataState {

    /**
     * The image's JSON: compact (a 20,000-volume image is ~10 MB, written by every member's Raft thread at each
     * snapshot; indentation made it a third larger and slower to write, and nobody reads it but {@link #restore}, which
     * reads older indented images alike), map entries in key order so equal states give equal bytes.
     */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private long lastApplied;
    private String clusterId;
    private long clusterCreatedAtMillis;
    private final Map<String, NodeRecord> nodes = new TreeMap<>();
    /** A {@link StructureSharingMap}: a {@link #copy()} shares the volumes of the state it copies. */
    private final StructureSharingMap<UUID, VolumeRecord> volumes = new StructureSharingMap<>();
    private final Map<String, StorageClassRecord> classes = new TreeMap<>();
    private final Map<String, TokenRecord> tokens = new TreeMap<>();
    private final BackupCatalog backups = new BackupCatalog();
    private final Map<String, PolicyRecord> policies = new TreeMap<>();
    private final Map<String, List<PolicyRunRecord>> policyRuns = new TreeMap<>();
    private final PolicyTransitions policyTransitions = new PolicyTransitions(policies, policyRuns);
    /**
     * Volumes' own QoS policies (overriding their class's). This and the other per-volume maps ({@link #volumeLabels},
     * {@link #volumeQosPolicy}) can hold an entry for every volume, so they are {@link StructureSharingMap}s a copy
     * shares as it shares {@link #volumes}; a volume's entries go with it ({@link #deleteVolume}).
     */
    private final StructureSharingMap<UUID, io.galleonfs.api.QosPolicy> volumeQos = new StructureSharingMap<>();
    private final Map<String, io.galleonfs.node.auth.JoinTokenRecord> joinTokens = new TreeMap<>();
    /** Volumes' labels (each map never changed once in here: replaced instead). */
    private final StructureSharingMap<UUID, Map<String, String>> volumeLabels = new StructureSharingMap<>();
    /** Idempotency keys of backup requests → the backup each started (see {@link MetaCommand.PutKeyedBackup}). */
    private final Map<String, String> backupKeys = new TreeMap<>();
    /** Named QoS policies, and the volumes following one (references of deleted volumes are ignored and not snapshotted). */
    private final Map<String, io.galleonfs.api.QosPolicy> qosPolicies = new TreeMap<>();
    private final StructureSharingMap<UUID, String> volumeQosPolicy = new StructureSharingMap<>();
    private final QosPolicyTransitions qosTransitions = new QosPolicyTransitions(qosPolicies, volumeQosPolicy, volumeQos, volumes, classes);

    public long lastApplied() {
        return lastApplied;
    }

    public String clusterId() {
        return clusterId;
    }

    public long clusterCreatedAtMillis() {
        return clusterCreatedAtMillis;
    }

    public Collection<NodeRecord> nodes() {
        return nodes.values();
    }

    public Optional<NodeRecord> node(String id) {
        return Optional.ofNullable(nodes.get(id));
    }

    public Collection<VolumeRecord> volumes() {
        return volumes.values();
    }

    public Collection<StorageClassRecord> storageClasses() {
        return classes.values();
    }

    /** API tokens by name; each holds only its secret's SHA-256. */
    public Collection<TokenRecord> tokens() {
        return tokens.values();
    }

    /** Cluster join tokens by id (hashes only); empty while the cluster admits nodes without one. */
    public Collection<io.galleonfs.node.auth.JoinTokenRecord> joinTokens() {
        return joinTokens.values();
    }

    public Optional<TokenRecord> token(String name) {
        return Optional.ofNullable(tokens.get(name));
    }

    /** Backup targets, the backup catalog and jobs. */
    public BackupCatalog backups() {
        return backups;
    }

    public Collection<PolicyRecord> policies() {
        return policies.values();
    }

    public Optional<PolicyRecord> policy(String name) {
        return Optional.ofNullable(policies.get(name));
    }

    /** The policy's kept runs, oldest first. */
    public List<PolicyRunRecord> policyRuns(String name) {
        return List.copyOf(policyRuns.getOrDefault(name, List.of()));
    }

    /** Stands for this state in a copy's {@link #copiedFrom}: a copy must not keep its source (and all before it) alive. */
    private final Object identity = new Object();
    /** The {@link #identity} of the state this one was copied from; null for a restored or new state. */
    private Object copiedFrom;

    /**
     * Ids of the volumes that may differ between {@code earlier} and this state (created, deleted or changed), when this
     * state was copied from {@code earlier} and then changed by {@link #apply}; empty when it was not (then only a
     * comparison of all volumes tells). Lets a metadata listener, which runs for every applied Raft entry on every node,
     * look at the few volumes an entry changed instead of all of them.
     */
    public Optional<java.util.Set<UUID>> volumesChangedSince(MetadataState earlier) {
        return earlier != null && copiedFrom == earlier.identity ? Optional.of(volumes.touched()) : Optional.empty();
    }

    public Optional<VolumeRecord> volume(UUID id) {
        return Optional.ofNullable(volumes.get(id));
    }

    /** The volume named {@code name} in {@code namespace}: names are unique per namespace, not cluster-wide. */
    public Optional<VolumeRecord> volumeByName(String namespace, String name) {
        for (VolumeRecord v : named(name)) {
            if (v.namespace().equals(namespace)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** Every volume named {@code name}, at most one per namespace, by namespace (see {@link VolumeLookup}). */
    public List<VolumeRecord> volumesNamed(String name) {
        return named(name).stream().sorted(java.util.Comparator.comparing(VolumeRecord::namespace)).toList();
    }

    /**
     * Volume ids by name, so that a name lookup (the REST layer does one on every request naming a volume, placement
     * and {@code CreateVolume} one per create) is not a scan of every volume. Built on the first lookup of a state that
     * has none (after a restore); a {@link #copy()} takes it over and {@code createVolume}/{@code deleteVolume} keep it
     * up to date, so a state applied from the previous one never rebuilds it (rebuilding it on every applied command
     * was, with placement's own walk, most of a create's CPU on a node holding thousands of volumes). The lists are
     * never changed once in the map (replaced instead), so a copy shares them; a published state is never changed
     * again, so readers may build a missing index concurrently (the same one, idempotently).
     */
    private volatile StructureSharingMap<String, List<UUID>> idsByName;

    private Map<String, List<UUID>> nameIndex() {
        StructureSharingMap<String, List<UUID>> index = idsByName;
        if (index == null) {
            LinkedHashMap<String, List<UUID>> built = new LinkedHashMap<>(Math.max(16, volumes.size() * 4 / 3 + 1));
            volumes.values().forEach(v -> built.merge(v.name(), List.of(v.id()), MetadataState::plus));
            idsByName = index = new StructureSharingMap<>(built);
        }
        return index;
    }

    private static List<UUID> plus(List<UUID> ids, List<UUID> more) {
        List<UUID> out = new ArrayList<>(ids.size() + more.size());
        out.addAll(ids);
        out.addAll(more);
        return List.copyOf(out);
    }

    /** Keeps an existing index in step with a volume that came ({@code added}) or went; no index stays none. */
    private void indexName(VolumeRecord v, boolean added) {
        Map<String, List<UUID>> index = idsByName;
        if (index == null) {
            return;
        }
        if (added) {
            index.merge(v.name(), List.of(v.id()), MetadataState::plus);
            return;
        }
        List<UUID> ids = index.get(v.name());
        if (ids != null) {
            List<UUID> rest = ids.stream().filter(id -> !id.equals(v.id())).toList();
            if (rest.isEmpty()) {
                index.remove(v.name());
            } else {
                index.put(v.name(), rest);
            }
        }
    }

    private List<VolumeRecord> named(String name) {
        List<VolumeRecord> out = new ArrayList<>(1);
        for (UUID id : nameIndex().getOrDefault(name, List.of())) {
            VolumeRecord v = volumes.get(id);
            if (v != null && v.name().equals(name)) {
                out.add(v);
            }
        }
        return out;
    }

    public Optional<StorageClassRecord> storageClass(String name) {
        return Optional.ofNullable(classes.get(name));
    }

    /** The volume's own QoS policy, if it has one. */
    public Optional<io.galleonfs.api.QosPolicy> volumeQos(UUID volumeId) {
        return volumes.containsKey(volumeId) ? Optional.ofNullable(volumeQos.get(volumeId)) : Optional.empty();
    }

    /** The volume's labels (empty when it has none or does not exist). */
    public Map<String, String> volumeLabels(UUID volumeId) {
        return volumes.containsKey(volumeId) ? volumeLabels.getOrDefault(volumeId, Map.of()) : Map.of();
    }

    /** The backup a request with this idempotency key started, if any. */
    public Optional<String> backupForKey(String idempotencyKey) {
        return Optional.ofNullable(backupKeys.get(idempotencyKey));
    }

    /** Named QoS policies by name. */
    public Collection<io.galleonfs.api.QosPolicy> qosPolicies() {
        return qosPolicies.values();
    }

    public Optional<io.galleonfs.api.QosPolicy> qosPolicy(String name) {
        return Optional.ofNullable(qosPolicies.get(name));
    }

    /** The named QoS policy the volume follows, if any (the policy itself may have been deleted with --force from a class). */
    public Optional<String> volumeQosPolicy(UUID volumeId) {
        return qosTransitions.volumeRef(volumeId);
    }

    /** Names of the volumes following the named QoS policy. */
    public List<String> volumesUsingQosPolicy(String name) {
        return qosTransitions.volumesUsing(name);
    }

    /** Names of the storage classes whose {@code qos_policy} parameter names the policy. */
    public List<String> classesUsingQosPolicy(String name) {
        return qosTransitions.classesUsing(name);
    }

    public MetaResult apply(MetaCommand command) {
        MetaResult result = switch (command) {
            case MetaCommand.CreateVolume c -> createVolume(c.volume());
            case MetaCommand.DeleteVolume d -> deleteVolume(d.id());
            case MetaCommand.ResizeVolume r -> resize(r);
            case MetaCommand.CreateStorageClass c -> createClass(c.storageClass());
            case MetaCommand.DeleteStorageClass d -> deleteClass(d.name());
            case MetaCommand.InitCluster i -> initCluster(i);
            case MetaCommand.RegisterNode r -> {
                nodes.put(r.node().id(), r.node());
                yield null;
            }
            case MetaCommand.RemoveNode r -> nodes.remove(r.nodeId()) == null
                    ? rejected(MetaResult.Reason.NOT_FOUND, "node " + r.nodeId() + " is not a member") : null;
            case MetaCommand.AddMount a -> changeMounts(a.volumeId(), v -> MountRules.add(volumes.values(), v, a.mount()));
            case MetaCommand.RemoveMount r -> changeMounts(r.volumeId(), v -> MountRules.remove(v, r.mountId()));
            case MetaCommand.SetReplicaState r -> ReplicaTransitions.setState(volumes, r);
            case MetaCommand.PromotePrimary p -> ReplicaTransitions.promote(volumes, p);
            case MetaCommand.MoveReplica m -> ReplicaTransitions.move(volumes, m);
            case MetaCommand.AddReplica a -> ReplicaTransitions.add(volumes, a);
            case MetaCommand.DropReplica d -> ReplicaTransitions.drop(volumes, d);
            case MetaCommand.CreateToken c -> createToken(c.token());
            case MetaCommand.RevokeToken r -> tokens.remove(r.name()) == null
                    ? rejected(MetaResult.Reason.NOT_FOUND, "token '" + r.name() + "' not found") : null;
            case MetaCommand.CreateBackupTarget c -> backups.createTarget(c);
            case MetaCommand.DeleteBackupTarget d -> backups.deleteTarget(d);
            case MetaCommand.PutBackup p -> backups.putBackup(p);
            case MetaCommand.DeleteBackup d -> backups.deleteBackup(d);
            case MetaCommand.PutJob p -> backups.putJob(p);
            case MetaCommand.FailJobsOfNode f -> backups.failJobsOfNode(f);
            case MetaCommand.CreatePolicy c -> policyTransitions.create(c.policy());
            case MetaCommand.DeletePolicy d -> policyTransitions.delete(d.name());
            case MetaCommand.SetPolicySuspended s -> policyTransitions.suspend(s.name(), s.suspended());
            case MetaCommand.RequestPolicyRun r -> policyTransitions.request(r);
            case MetaCommand.ClaimPolicySlot c -> policyTransitions.claimSlot(c);
            case MetaCommand.AcquirePolicyRun a -> policyTransitions.acquire(a);
            case MetaCommand.UpdatePolicyRun u -> policyTransitions.update(u);
            case MetaCommand.RecordMissedRuns m -> policyTransitions.missed(m);
            case MetaCommand.MarkArtifactsPruned m -> policyTransitions.pruned(m);
            case MetaCommand.SetVolumeQos q -> setVolumeQos(q);
            case MetaCommand.PutQosPolicy q -> qosTransitions.put(q);
            case MetaCommand.DeleteQosPolicy q -> qosTransitions.delete(q);
            case MetaCommand.SetVolumeQosPolicy q -> qosTransitions.setVolume(q);
            case MetaCommand.CreateJoinToken j -> {
                joinTokens.put(j.token().id(), j.token());
                yield null;
            }
            case MetaCommand.CreateLabelledVolume c -> {
                MetaResult r = createVolume(c.volume());
                if (r == null && c.labels() != null && !c.labels().isEmpty()) {
                    volumeLabels.put(c.volume().id(), java.util.Collections.unmodifiableMap(new TreeMap<>(c.labels())));
                }
                yield r;
            }
            case MetaCommand.SetVolumeLabels l -> setVolumeLabels(l);
            case MetaCommand.RenamePolicy r -> policyTransitions.rename(r.name(), r.newName());
            case MetaCommand.UpdatePolicy u -> policyTransitions.update(u.policy());
            case MetaCommand.PutKeyedBackup k -> putKeyedBackup(k);
        };
        if (result != null) {
            return result;
        }
        lastApplied++;
        return new MetaResult.Applied(lastApplied);
    }

    private MetaResult initCluster(MetaCommand.InitCluster i) {
        if (clusterId != null) {
            return rejected(MetaResult.Reason.CONFLICT, "the cluster is already named " + clusterId);
        }
        clusterId = i.clusterId();
        clusterCreatedAtMillis = i.createdAtMillis();
        return null;
    }

    private MetaResult createVolume(VolumeRecord v) {
        if (volumes.containsKey(v.id())) {
            return rejected(MetaResult.Reason.CONFLICT, "volume id " + v.id() + " already exists");
        }
        if (volumeByName(v.namespace(), v.name()).isPresent()) {
            return rejected(MetaResult.Reason.CONFLICT, "a volume named '" + v.name() + "' already exists in namespace '"
                    + v.namespace() + "'");
        }
        if (!classes.containsKey(v.storageClass())) {
            return rejected(MetaResult.Reason.NOT_FOUND, "storage class '" + v.storageClass() + "' not found");
        }
        volumes.put(v.id(), v);
        indexName(v, true);
        return null;
    }

    private MetaResult deleteVolume(UUID id) {
        VolumeRecord gone = volumes.remove(id);
        if (gone == null) {
            return rejected(MetaResult.Reason.NOT_FOUND, "volume " + id + " not found");
        }
        indexName(gone, false);
        volumeQos.remove(id);
        volumeLabels.remove(id);
        volumeQosPolicy.remove(id);
        return null;
    }

    private MetaResult resize(MetaCommand.ResizeVolume r) {
        VolumeRecord v = volumes.get(r.id());
        if (v == null) {
            return rejected(MetaResult.Reason.NOT_FOUND, "volume " + r.id() + " not found");
        }
        if (r.newSizeBytes() < v.sizeBytes()) {
            return rejected(MetaResult.Reason.INVALID, "volume '" + v.name() + "' can only grow: " + r.newSizeBytes()
                    + " bytes is smaller than its size of " + v.sizeBytes() + " bytes");
        }
        volumes.put(v.id(), v.withSize(r.newSizeBytes()));
        return null;
    }

    /** Applies a mount change decided by {@link MountRules}: a new record, or a rejection that changes nothing. */
    private MetaResult changeMounts(UUID volumeId, java.util.function.Function<VolumeRecord, MountRules.Outcome> change) {
        VolumeRecord v = volumes.get(volumeId);
        if (v == null) {
            return rejected(MetaResult.Reason.NOT_FOUND, "volume " + volumeId + " not found");
        }
        return switch (change.apply(v)) {
            case MountRules.Outcome.Changed c -> {
                volumes.put(volumeId, c.volume());
                yield null;
            }
            case MountRules.Outcome.Refused r -> rejected(r.reason(), r.detail());
        };
    }

    private MetaResult setVolumeQos(MetaCommand.SetVolumeQos q) {
        if (!volumes.containsKey(q.volumeId())) {
            return rejected(MetaResult.Reason.NOT_FOUND, "volume " + q.volumeId() + " not found");
        }
        if (q.policy() == null) {
            volumeQos.remove(q.volumeId());
        } else {
            volumeQos.put(q.volumeId(), q.policy());
            volumeQosPolicy.remove(q.volumeId()); // a volume has one own QoS: inline replaces a named reference
        }
        return null;
    }

    private MetaResult setVolumeLabels(MetaCommand.SetVolumeLabels l) {
        if (!volumes.containsKey(l.volumeId())) {
            return rejected(MetaResult.Reason.NOT_FOUND, "volume " + l.volumeId() + " not found");
        }
        if (l.labels() == null || l.labels().isEmpty()) {
            volumeLabels.remove(l.volumeId());
        } else {
            volumeLabels.put(l.volumeId(), java.util.Collections.unmodifiableMap(new TreeMap<>(l.labels())));
        }
        return null;
    }

    private MetaResult putKeyedBackup(MetaCommand.PutKeyedBackup k) {
        String bound = backupKeys.get(k.idempotencyKey());
        Optional<BackupRecord> earlier = bound == null ? Optional.empty() : backups.backup(bound);
        if (earlier.isPresent() && !BackupRecord.FAILED.equals(earlier.get().status())) {
            return rejected(MetaResult.Reason.CONFLICT, "idempotency key '" + k.idempotencyKey() + "' already started backup " + bound
                    + " (" + earlier.get().status() + ")");
        }
        MetaResult r = backups.putBackup(new MetaCommand.PutBackup(k.backup()));
        if (r == null) {
            // Keys whose backup was deleted bind nothing any more: dropped here so the map stays as small as the catalog.
            backupKeys.values().removeIf(id -> backups.backup(id).isEmpty());
            backupKeys.put(k.idempotencyKey(), k.backup().id());
        }
        return r;
    }

    private MetaResult createToken(TokenRecord t) {
        if (tokens.containsKey(t.name())) {
            return rejected(MetaResult.Reason.CONFLICT, "a token named '" + t.name() + "' already exists");
        }
        tokens.put(t.name(), t);
        return null;
    }

    private MetaResult createClass(StorageClassRecord c) {
        if (classes.containsKey(c.name())) {
            return rejected(MetaResult.Reason.CONFLICT, "storage class '" + c.name() + "' already exists");
        }
        MetaResult qosRefused = qosTransitions.checkClass(c);
        if (qosRefused != null) {
            return qosRefused;
        }
        classes.put(c.name(), c);
        return null;
    }

    private MetaResult deleteClass(String name) {
        StorageClassRecord c = classes.get(name);
        if (c == null) {
            return rejected(MetaResult.Reason.NOT_FOUND, "storage class '" + name + "' not found");
        }
        if (c.builtIn()) {
            return rejected(MetaResult.Reason.CONFLICT, "storage class '" + name + "' is built in and cannot be deleted");
        }
        List<String> users = volumes.values().stream().filter(v -> v.storageClass().equals(name)).map(VolumeRecord::name).toList();
        if (!users.isEmpty()) {
            return rejected(MetaResult.Reason.CONFLICT, "storage class '" + name + "' is used by volume(s) " + String.join(", ", users));
        }
        classes.remove(name);
        return null;
    }

    private static MetaResult rejected(MetaResult.Reason reason, String detail) {
        return new MetaResult.Rejected(reason, detail);
    }

    /** A self-contained image of the state, from which {@link #restore} rebuilds an equal state. */
    public byte[] snapshot() {
        try {
            return JSON.writeValueAsBytes(image());
        } catch (IOException e) {
            throw new IllegalStateException("metadata state cannot be serialised", e);
        }
    }

    public static MetadataState restore(byte[] image) throws IOException {
        return fromImage(JSON.readValue(image, Image.class));
    }

    /**
     * An independent state equal to this one, for the next command to change while readers keep this one. It shares
     * only immutable records, and goes through the same {@link Image} as {@link #snapshot}/{@link #restore} so that a
     * field added to the image cannot be forgotten here; unlike a JSON round trip it costs a map copy, not a parse
     * of the whole state per command.
     */
    public MetadataState copy() {
        MetadataState copy = fromImage(image(false));
        copy.volumes.copyFrom(volumes);
        copy.volumeQos.copyFrom(volumeQos);
        copy.volumeLabels.copyFrom(volumeLabels);
        copy.volumeQosPolicy.copyFrom(volumeQosPolicy);
        copy.copiedFrom = identity;
        StructureSharingMap<String, List<UUID>> index = idsByName;
        if (index != null) {
            StructureSharingMap<String, List<UUID>> copied = new StructureSharingMap<>();
            copied.copyFrom(index);
            copy.idsByName = copied;
        }
        return copy;
    }

    private Image image() {
        return image(true);
    }

    /**
     * @param withVolumes false for {@link #copy()}, which takes the volumes and the per-volume maps over from the maps
     *                    themselves ({@link StructureSharingMap#copyFrom}: shared, not copied)
     */
    private Image image(boolean withVolumes) {
        return new Image(lastApplied, withVolumes ? new ArrayList<>(volumes.values()) : List.of(), new ArrayList<>(classes.values()),
                clusterId, clusterCreatedAtMillis, new ArrayList<>(nodes.values()), new ArrayList<>(tokens.values()),
                backups.image(), new ArrayList<>(policies.values()), new TreeMap<>(policyRuns),
                withVolumes ? liveVolumeQos() : Map.of(), new ArrayList<>(joinTokens.values()),
                withVolumes ? liveVolumeLabels() : Map.of(), new TreeMap<>(backupKeys),
                new ArrayList<>(qosPolicies.values()), withVolumes ? liveVolumeQosPolicy() : Map.of());
    }

    private static MetadataState fromImage(Image img) {
        MetadataState s = new MetadataState();
        s.lastApplied = img.lastApplied();
        img.volumes().forEach(v -> s.volumes.put(v.id(), v));
        img.storageClasses().forEach(c -> s.classes.put(c.name(), c));
        s.clusterId = img.clusterId();
        s.clusterCreatedAtMillis = img.clusterCreatedAtMillis();
        img.nodes().forEach(n -> s.nodes.put(n.id(), n));
        img.tokens().forEach(t -> s.tokens.put(t.name(), t));
        s.backups.restore(img.backups());
        img.policies().forEach(p -> s.policies.put(p.name(), p));
        img.policyRuns().forEach((name, list) -> s.policyRuns.put(name, new ArrayList<>(list)));
        s.volumeQos.putAll(img.volumeQos());
        img.joinTokens().forEach(t -> s.joinTokens.put(t.id(), t));
        img.volumeLabels().forEach((id, labels) -> s.volumeLabels.put(id, java.util.Collections.unmodifiableMap(new TreeMap<>(labels))));
        s.backupKeys.putAll(img.backupKeys());
        img.qosPolicies().forEach(p -> s.qosPolicies.put(p.name(), p));
        s.volumeQosPolicy.putAll(img.volumeQosPolicy());
        return s;
    }

    private Map<UUID, io.galleonfs.api.QosPolicy> liveVolumeQos() {
        Map<UUID, io.galleonfs.api.QosPolicy> live = new TreeMap<>(volumeQos);
        live.keySet().retainAll(volumes.keySet());
        return live;
    }

    private Map<UUID, Map<String, String>> liveVolumeLabels() {
        Map<UUID, Map<String, String>> live = new TreeMap<>(volumeLabels);
        live.keySet().retainAll(volumes.keySet());
        return live;
    }

    private Map<UUID, String> liveVolumeQosPolicy() {
        Map<UUID, String> live = new TreeMap<>(volumeQosPolicy);
        live.keySet().retainAll(volumes.keySet());
        return live;
    }

    record Image(
            @JsonProperty("last_applied") long lastApplied,
            List<VolumeRecord> volumes,
            @JsonProperty("storage_classes") List<StorageClassRecord> storageClasses,
            @JsonProperty("cluster_id") String clusterId,
            @JsonProperty("cluster_created_at_millis") long clusterCreatedAtMillis,
            List<NodeRecord> nodes,
            List<TokenRecord> tokens,
            BackupCatalog.Image backups,
            List<PolicyRecord> policies,
            @JsonProperty("policy_runs") Map<String, List<PolicyRunRecord>> policyRuns,
            @JsonProperty("volume_qos") Map<UUID, io.galleonfs.api.QosPolicy> volumeQos,
            @JsonProperty("join_tokens") List<io.galleonfs.node.auth.JoinTokenRecord> joinTokens,
            @JsonProperty("volume_labels") Map<UUID, Map<String, String>> volumeLabels,
            @JsonProperty("backup_keys") Map<String, String> backupKeys,
            @JsonProperty("qos_policies") List<io.galleonfs.api.QosPolicy> qosPolicies,
            @JsonProperty("volume_qos_policy") Map<UUID, String> volumeQosPolicy) {
        Image {
            volumeLabels = volumeLabels == null ? Map.of() : volumeLabels;
            backupKeys = backupKeys == null ? Map.of() : backupKeys;
            qosPolicies = qosPolicies == null ? List.of() : qosPolicies;
            volumeQosPolicy = volumeQosPolicy == null ? Map.of() : volumeQosPolicy;
            policies = policies == null ? List.of() : policies;
            policyRuns = policyRuns == null ? Map.of() : policyRuns;
            joinTokens = joinTokens == null ? List.of() : joinTokens;
            volumes = volumes == null ? List.of() : volumes;
            storageClasses = storageClasses == null ? List.of() : storageClasses;
            nodes = nodes == null ? List.of() : nodes;
            tokens = tokens == null ? List.of() : tokens;
            backups = backups == null ? new BackupCatalog.Image(null, null, null) : backups;
            volumeQos = volumeQos == null ? Map.of() : volumeQos;
        }
    }
}
